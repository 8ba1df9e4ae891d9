package dev.ouroboros.models.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SentenceEncoder} against HF {@code transformers.BertModel} + sentence-transformers' mean
 * pooling on a random-weight fixture (scripts/golden/make_encoder_fixture.py): token ids equal,
 * embeddings within 1e-5, whatever the batching (so whatever the padding).
 */
class SentenceEncoderParityTest {
    static Path fixture() {
        for (Path p :
                new Path[] {
                    Path.of("src/test/resources/encoder"),
                    Path.of("../models/src/test/resources/encoder")
                }) {
            if (Files.isDirectory(p)) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("encoder fixture not found");
    }

    static JsonNode expected() throws IOException {
        return new ObjectMapper().readTree(fixture().resolve("expected.json").toFile());
    }

    static List<String> sentences(JsonNode exp) {
        List<String> out = new ArrayList<>();
        exp.get("sentences").forEach(s -> out.add(s.asText()));
        return out;
    }

    static double maxDiff(float[] ours, JsonNode rows, int dim) {
        double d = 0;
        for (int i = 0; i < rows.size(); i++) {
            for (int j = 0; j < dim; j++) {
                d = Math.max(d, Math.abs(ours[i * dim + j] - rows.get(i).get(j).asDouble()));
            }
        }
        return d;
    }

    @Test
    void tokenIdsMatchTheFastTokenizer() throws IOException {
        JsonNode exp = expected();
        try (SentenceEncoder enc = SentenceEncoder.load(fixture().resolve("model"), Device.cpu())) {
            long[][] ids = enc.tokenIds(sentences(exp));
            for (int i = 0; i < ids.length; i++) {
                long[] want = new long[exp.get("input_ids").get(i).size()];
                for (int j = 0; j < want.length; j++) {
                    want[j] = exp.get("input_ids").get(i).get(j).asLong();
                }
                assertArrayEquals(want, ids[i], "sentence " + i);
            }
            assertEquals(16, enc.maxSeqLength());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 64})
    void normalizedEmbeddingsMatchTransformers(int batch) throws IOException {
        JsonNode exp = expected();
        try (SentenceEncoder enc = SentenceEncoder.load(fixture().resolve("model"), Device.cpu());
                NDManager m = NDManager.newBaseManager(Device.cpu())) {
            float[] e = enc.embed(m, sentences(exp), batch).toFloatArray();
            double d = maxDiff(e, exp.get("normalized"), enc.dimension());
            System.out.printf("batch %d: max |ours − HF| %.3g%n", batch, d);
            assertTrue(d <= 1e-5, "max abs difference " + d);
        }
    }

    /** Without modules.json the directory is a bare BertModel: mean pooling, no normalisation. */
    @Test
    void bareCheckpointGivesTheMeanPooledStates(@TempDir Path tmp) throws IOException {
        JsonNode exp = expected();
        Path model = fixture().resolve("model");
        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) {
            Files.copy(model.resolve(f), tmp.resolve(f));
        }
        Files.copy(
                model.resolve("sentence_bert_config.json"),
                tmp.resolve("sentence_bert_config.json"));
        try (SentenceEncoder enc = SentenceEncoder.load(tmp, Device.cpu());
                NDManager m = NDManager.newBaseManager(Device.cpu())) {
            float[] e = enc.embed(m, sentences(exp), 4).toFloatArray();
            double d = maxDiff(e, exp.get("pooled"), enc.dimension());
            assertTrue(d <= 1e-5, "max abs difference " + d);
            double norm0 = 0;
            for (int j = 0; j < enc.dimension(); j++) {
                norm0 += e[j] * e[j];
            }
            assertTrue(Math.abs(Math.sqrt(norm0) - 1) > 0.1, "not normalised: " + norm0);
        }
    }

    @Test
    void refusesWhatItDoesNotImplementInOneLine(@TempDir Path tmp) throws IOException {
        Path model = fixture().resolve("model");
        try (Stream<Path> files = Files.walk(model)) {
            for (Path p : files.toList()) {
                Path to = tmp.resolve(model.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        SentenceEncoder.check(tmp); // the copy is fine
        Files.writeString(
                tmp.resolve("1_Pooling/config.json"),
                "{\"pooling_mode_cls_token\": true, \"pooling_mode_mean_tokens\": false}");
        UserInputException e =
                assertThrows(UserInputException.class, () -> SentenceEncoder.check(tmp));
        assertTrue(e.getMessage().contains("only mean pooling"), e.getMessage());
        Files.delete(tmp.resolve("modules.json"));
        String cfg = Files.readString(tmp.resolve("config.json"));
        Files.writeString(
                tmp.resolve("config.json"),
                cfg.replace("\"hidden_size\": 32", "\"hidden_size\": 64"));
        e = assertThrows(UserInputException.class, () -> SentenceEncoder.check(tmp));
        assertTrue(e.getMessage().contains("has shape"), e.getMessage());
        Files.writeString(tmp.resolve("config.json"), cfg.replace("\"bert\"", "\"roberta\""));
        e = assertThrows(UserInputException.class, () -> SentenceEncoder.check(tmp));
        assertTrue(e.getMessage().contains("model_type 'roberta'"), e.getMessage());
        Files.writeString(
                tmp.resolve("config.json"),
                cfg.replace("\"vocab_size\": 136", "\"vocab_size\": 100"));
        e = assertThrows(UserInputException.class, () -> SentenceEncoder.check(tmp));
        assertTrue(
                e.getMessage().contains("ids reach 135, outside the encoder's vocab_size 100"),
                e.getMessage());
        Files.writeString(tmp.resolve("config.json"), cfg);
        Files.delete(tmp.resolve("tokenizer.json"));
        e = assertThrows(UserInputException.class, () -> SentenceEncoder.check(tmp));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
        for (UserInputException x : List.of(e)) {
            assertEquals(-1, x.getMessage().indexOf('\n'));
        }
    }
}
