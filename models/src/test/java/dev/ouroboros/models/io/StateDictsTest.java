package dev.ouroboros.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDictsTest {
    @TempDir Path dir;

    private static RawTensor t(String name, float... v) {
        return RawTensor.ofFloats(name, new long[] {v.length}, v);
    }

    @Test
    void prefersSafetensorsOverPickle() throws IOException {
        Files.copy(IoFixtures.resource("fp16.bin"), dir.resolve("pytorch_model.bin"));
        Safetensors.write(dir.resolve("model.safetensors"), List.of(t("a", 1f)), null);
        assertEquals(List.of("a"), List.copyOf(StateDicts.read(dir).keySet()));
    }

    @Test
    void readsPytorchModelBin() throws IOException {
        Files.copy(IoFixtures.resource("fp32.bin"), dir.resolve("pytorch_model.bin"));
        IoFixtures.assertMatchesExpected("fp32.bin", StateDicts.read(dir), true);
    }

    @Test
    void shardedSafetensorsFollowWeightMapOrder() throws IOException {
        Safetensors.write(
                dir.resolve("model-00001-of-00002.safetensors"),
                List.of(t("a", 1f), t("c", 3f)),
                null);
        Safetensors.write(
                dir.resolve("model-00002-of-00002.safetensors"), List.of(t("b", 2f, 2.5f)), null);
        Files.writeString(
                dir.resolve("model.safetensors.index.json"),
                "{\"metadata\":{\"total_size\":16},"
                        + "\"weight_map\":{\"c\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\","
                        + "\"a\":\"model-00001-of-00002.safetensors\"}}");
        Map<String, RawTensor> sd = StateDicts.read(dir);
        assertEquals(List.of("c", "b", "a"), List.copyOf(sd.keySet()));
        assertArrayEquals(new float[] {2f, 2.5f}, sd.get("b").toFloats());
    }

    @Test
    void shardedPickles() throws IOException {
        Files.copy(
                IoFixtures.resource("bf16.bin"), dir.resolve("pytorch_model-00001-of-00002.bin"));
        Files.copy(
                IoFixtures.resource("fp32.bin"), dir.resolve("pytorch_model-00002-of-00002.bin"));
        Files.writeString(
                dir.resolve("pytorch_model.bin.index.json"),
                "{\"weight_map\":{"
                        + "\"a\":\"pytorch_model-00001-of-00002.bin\",\"ids\":\"pytorch_model-00002-of-00002.bin\"}}");
        Map<String, RawTensor> sd = StateDicts.read(dir);
        assertEquals(List.of("a", "ids"), List.copyOf(sd.keySet()));
        assertEquals(DType.BF16, sd.get("a").dtype());
        assertEquals(DType.I64, sd.get("ids").dtype());
    }

    @Test
    void shardListedInIndexButMissing() throws IOException {
        Safetensors.write(dir.resolve("s1.safetensors"), List.of(t("a", 1f)), null);
        Path index =
                Files.writeString(
                        dir.resolve("model.safetensors.index.json"),
                        "{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\"}}");
        UserInputException e = assertThrows(UserInputException.class, () -> StateDicts.read(dir));
        assertEquals(
                index + ": shard s2.safetensors (listed for b) does not exist", e.getMessage());
    }

    @Test
    void keyListedInIndexButMissingFromItsShard() throws IOException {
        Path shard = dir.resolve("s1.safetensors");
        Safetensors.write(shard, List.of(t("a", 1f)), null);
        Files.writeString(
                dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\":{\"a\":\"s1.safetensors\",\"z\":\"s1.safetensors\"}}");
        UserInputException e = assertThrows(UserInputException.class, () -> StateDicts.read(dir));
        assertTrue(
                e.getMessage().startsWith(shard.toAbsolutePath() + ": tensor z listed in"),
                e.getMessage());
    }

    @Test
    void indexMayNotPointOutsideTheModelDirectory() throws IOException {
        Path index =
                Files.writeString(
                        dir.resolve("model.safetensors.index.json"),
                        "{\"weight_map\":{\"a\":\"../elsewhere.safetensors\"}}");
        UserInputException e = assertThrows(UserInputException.class, () -> StateDicts.read(dir));
        assertTrue(e.getMessage().startsWith(index + ": weight_map entry a names"), e.getMessage());
    }

    @Test
    void badIndexJson() throws IOException {
        Path index =
                Files.writeString(
                        dir.resolve("pytorch_model.bin.index.json"), "{\"weight_map\": [");
        UserInputException e = assertThrows(UserInputException.class, () -> StateDicts.read(dir));
        assertTrue(e.getMessage().startsWith(index + ": invalid JSON"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void noWeights() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        UserInputException e = assertThrows(UserInputException.class, () -> StateDicts.read(dir));
        assertEquals(
                dir + ": no model.safetensors, model.safetensors.index.json or pytorch_model.bin",
                e.getMessage());
        Path missing = dir.resolve("nope");
        assertEquals(
                missing + ": not a directory",
                assertThrows(UserInputException.class, () -> StateDicts.read(missing))
                        .getMessage());
    }
}
