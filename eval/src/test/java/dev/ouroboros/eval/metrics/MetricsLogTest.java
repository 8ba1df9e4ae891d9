package dev.ouroboros.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.UserInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {
    @TempDir Path dir;

    static MetricsRow row(int seed, int gen) {
        return new MetricsRow(
                MetricsRow.SCHEMA,
                "keep-real:0.1",
                seed,
                gen,
                "test",
                Map.of("ppl_blocks64", 34.1 + gen, "distinct_2", 0.41),
                Map.of("ppl_blocks64", Map.of("nll_sum", 81234.5, "n_predictions", 23121.0)),
                "2025-01-01T12:00:00Z");
    }

    /** A base-model row (generation −1) reads; a field this version does not know is ignored. */
    @Test
    void baseRowsAndExtraFieldsRead() throws Exception {
        String line =
                "{\"schema\":\"ouro.metrics/v1\",\"policy\":\"replace\",\"seed\":0,\"generation\":-1,"
                        + "\"split\":\"test\",\"metrics\":{\"ppl_blocks64\":102.0},\"checksum\":\"ab12\","
                        + "\"time\":\"2026-01-01T00:00:00Z\"}";
        MetricsRow r = MetricsLog.parse(line);
        assertEquals(-1, r.generation());
        assertEquals(102.0, r.metrics().get("ppl_blocks64"), 0);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                MetricsLog.parse(
                                        line.replace("\"generation\":-1", "\"generation\":-2")));
        assertTrue(
                e.getMessage().contains("generation must be ≥ 0 (or -1: the base model)"),
                e.getMessage());
    }

    @Test
    void roundTripsAndKeepsCountsIntegral() throws Exception {
        Path f = dir.resolve("metrics.jsonl");
        MetricsLog.append(f, row(0, 0));
        MetricsLog.append(f, row(1, 2));
        String text = Files.readString(f);
        assertTrue(text.contains("\"n_predictions\":23121"), text);
        assertTrue(
                text.startsWith(
                        "{\"schema\":\"ouro.metrics/v1\",\"policy\":\"keep-real:0.1\",\"seed\":0,\"generation\":0,"));
        MetricsLog.Read r = MetricsLog.read(f);
        assertEquals(List.of(row(0, 0), row(1, 2)), r.rows());
        assertTrue(r.skipped().isEmpty());
    }

    @Test
    void tornLastLineIsSkippedAndTheNextAppendStartsAFreshLine() throws Exception {
        Path f = dir.resolve("metrics.jsonl");
        MetricsLog.append(f, row(0, 0));
        String full = MetricsLog.toJson(row(0, 1));
        Files.writeString(
                f,
                full.substring(0, full.length() / 2),
                StandardOpenOption.APPEND); // kill -9 mid-write
        MetricsLog.Read r = MetricsLog.read(f);
        assertEquals(1, r.rows().size());
        assertEquals(1, r.skipped().size());
        assertTrue(r.skipped().get(0).contains("metrics.jsonl:2"), r.skipped().get(0));
        MetricsLog.append(f, row(0, 1)); // resume redoes the stage
        r = MetricsLog.read(f);
        assertEquals(List.of(row(0, 0), row(0, 1)), r.rows());
        assertEquals(1, r.skipped().size());
    }

    @Test
    void garbageAndNanRowsInTheMiddleAreNamedWithTheirLineNumbers() throws Exception {
        Path f = dir.resolve("metrics.jsonl");
        String nan = MetricsLog.toJson(row(0, 1)).replace("34.1", "NaN").replace("35.1", "NaN");
        Files.writeString(
                f,
                MetricsLog.toJson(row(0, 0))
                        + "\n#garbage\u0001\n"
                        + nan
                        + "\n"
                        + MetricsLog.toJson(row(0, 2))
                        + "\n");
        MetricsLog.Read r = MetricsLog.read(f);
        assertEquals(List.of(row(0, 0), row(0, 2)), r.rows());
        assertEquals(
                List.of(
                        f + ":2: skipped a line that is not complete JSON (torn write?)",
                        f
                                + ":3: skipped a row holding NaN or Infinity (rows hold finite numbers"
                                + " only)"),
                r.skipped());
    }

    @Test
    void validJsonThatIsNotARowIsAnError() throws Exception {
        Path f = dir.resolve("metrics.jsonl");
        Files.writeString(
                f, MetricsLog.toJson(row(0, 0)) + "\n" + "{\"schema\":\"ouro.metrics/v2\"}\n");
        UserInputException e = assertThrows(UserInputException.class, () -> MetricsLog.read(f));
        assertTrue(
                e.getMessage().contains("metrics.jsonl:2")
                        && e.getMessage().contains("ouro.metrics/v2"),
                e.getMessage());
        assertThrows(UserInputException.class, () -> MetricsLog.read(dir.resolve("absent.jsonl")));
    }

    @Test
    void rowsAreValidated() {
        assertThrows(
                IllegalArgumentException.class,
                () -> MetricsRow.of("replace", 0, 0, "test", Map.of("mtld", Double.NaN), null));
        assertThrows(
                IllegalArgumentException.class,
                () -> MetricsRow.of("replace", -1, 0, "test", Map.of(), null));
        assertThrows(
                IllegalArgumentException.class,
                () -> MetricsRow.of("replace", 0, 0, "Test", Map.of(), null));
        assertThrows(
                IllegalArgumentException.class,
                () -> MetricsRow.of("a/b", 0, 0, "test", Map.of(), null));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                MetricsLog.append(
                                        dir.resolve("m.jsonl"),
                                        MetricsRow.of(
                                                "replace",
                                                0,
                                                0,
                                                "test",
                                                Map.of("distinct2", 0.4),
                                                null)));
        assertTrue(e.getMessage().contains("did you mean distinct_2"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("m.jsonl")));
        assertEquals("ppl_blocks32", MetricDefs.require("ppl_blocks32").name());
    }

    @Test
    void concurrentAppendsStayWholeLines() throws Exception {
        Path f = dir.resolve("metrics.jsonl");
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int seed = t;
            Thread th =
                    new Thread(
                            () -> {
                                for (int g = 0; g < 25; g++) {
                                    MetricsLog.append(f, row(seed, g));
                                }
                            });
            th.start();
            threads.add(th);
        }
        for (Thread t : threads) {
            t.join();
        }
        MetricsLog.Read r = MetricsLog.read(f);
        assertEquals(100, r.rows().size());
        assertTrue(r.skipped().isEmpty());
        assertEquals(100, Files.readAllLines(f, StandardCharsets.UTF_8).size());
    }
}
