package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.UserInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DONE's checksums: eval.json and each model file recorded; a changed one named; an extension that
 * rewrites eval.json of a DONE generation, killed at any point, leaves a marker that accepts the
 * eval.json on disk (the old one, to be extended again, or the new one).
 */
class DoneRecordTest {
    @TempDir Path g;

    @Test
    void recordsEvalJsonAndModelFilesAndNamesAChangedOne() throws Exception {
        Files.writeString(g.resolve("eval.json"), "{\"rows\":[]}");
        Files.createDirectories(g.resolve("model"));
        Files.write(g.resolve("model/model.safetensors"), new byte[] {1, 2, 3});
        Files.writeString(g.resolve("model/config.json"), "{}");
        DoneRecord.write(g, 4);
        DoneRecord r = DoneRecord.read(g);
        assertEquals(3, r.digests().size(), r.toString());
        assertTrue(r.verifiable());
        assertEquals(List.of(), r.mismatches(g));
        assertNull(DoneRecord.modelMismatch(g));

        Files.write(g.resolve("model/model.safetensors"), new byte[] {1, 2, 4});
        String line =
                g.resolve("model/model.safetensors")
                        + ": does not match the sha256 recorded in "
                        + g.resolve("DONE")
                        + " (changed after the generation finished)";
        assertEquals(List.of(line), DoneRecord.read(g).mismatches(g));
        assertEquals(line, DoneRecord.modelMismatch(g));
        assertTrue(
                assertThrows(UserInputException.class, () -> DoneRecord.requireModel(g))
                        .getMessage()
                        .startsWith(line + "; "));
        // a model that keep removed is not a failure
        Files.delete(g.resolve("model/model.safetensors"));
        Files.delete(g.resolve("model/config.json"));
        Files.delete(g.resolve("model"));
        assertEquals(List.of(), DoneRecord.read(g).mismatches(g));

        Files.writeString(g.resolve("eval.json"), "{\"rows\":[1]}");
        assertTrue(
                assertThrows(UserInputException.class, () -> DoneRecord.requireEvalJson(g))
                        .getMessage()
                        .startsWith(g.resolve("eval.json") + ": does not match the sha256"));
    }

    @Test
    void anExtensionKilledAnywhereLeavesAnAcceptedEvalJson() throws Exception {
        byte[] old = "{\"rows\":[]}".getBytes(StandardCharsets.UTF_8);
        Files.write(g.resolve("eval.json"), old);
        DoneRecord.write(g, 2);
        Runnable killed =
                () -> {
                    throw new IllegalStateException("kill -9");
                };
        byte[] first = "{\"rows\":[\"a\"]}".getBytes(StandardCharsets.UTF_8);
        assertThrows(
                IllegalStateException.class, () -> DoneRecord.replaceEvalJson(g, first, killed));
        assertDoesNotThrow(() -> DoneRecord.requireEvalJson(g)); // the old one, extended again
        byte[] second = "{\"rows\":[\"b\"]}".getBytes(StandardCharsets.UTF_8); // another time
        assertThrows(
                IllegalStateException.class, () -> DoneRecord.replaceEvalJson(g, second, killed));
        assertDoesNotThrow(() -> DoneRecord.requireEvalJson(g));
        DoneRecord.replaceEvalJson(g, second, () -> write(g.resolve("eval.json"), second));
        assertDoesNotThrow(() -> DoneRecord.requireEvalJson(g));
        assertNull(DoneRecord.read(g).previousEvalJson());
        write(g.resolve("eval.json"), old); // the old one is no longer what DONE holds
        assertThrows(UserInputException.class, () -> DoneRecord.requireEvalJson(g));
        assertEquals(1, DoneRecord.read(g).digests().size());
    }

    private static void write(Path f, byte[] b) {
        try {
            Files.write(f, b);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
