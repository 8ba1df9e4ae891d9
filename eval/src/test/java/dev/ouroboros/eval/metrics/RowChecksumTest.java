package dev.ouroboros.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.UserInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23: one changed digit in a metrics row passed every reader, and ouro report moved a mean
 * from 0.116 to 0.616. Every row now carries the SHA-256 of its own content; a changed row is
 * refused by every reader (file and line named), a row from before checksums reads as unverified.
 */
class RowChecksumTest {
    @TempDir Path dir;

    @Test
    void aChangedDigitIsRefusedWithFileAndLine() throws Exception {
        Path f = dir.resolve("metrics.jsonl");
        MetricsLog.append(f, MetricsLogTest.row(0, 0));
        MetricsLog.append(f, MetricsLogTest.row(1, 0));
        assertEquals(2, MetricsLog.read(f).rows().size());
        assertEquals(0, MetricsLog.read(f).unverified());
        List<String> lines = Files.readAllLines(f);
        assertTrue(lines.get(1).contains("\"distinct_2\":0.41"), lines.get(1));
        Files.write(f, List.of(lines.get(0), lines.get(1).replace("0.41", "0.91")));
        UserInputException e = assertThrows(UserInputException.class, () -> MetricsLog.read(f));
        assertEquals(
                f
                        + ":2: the row does not match its sha256 (changed after it was written: it"
                        + " is not what computed it)",
                e.getMessage());
        // the key fields are covered too: a row moved to another seed
        Files.write(f, List.of(lines.get(0).replace("\"seed\":0", "\"seed\":7")));
        assertThrows(
                ChangedRowException.class,
                () -> MetricsLog.parse(lines.get(0).replace("\"seed\":0", "\"seed\":7")));
        assertTrue(
                assertThrows(UserInputException.class, () -> MetricsLog.read(f))
                        .getMessage()
                        .startsWith(f + ":1: the row does not match its sha256"));
    }

    @Test
    void aRowWithoutChecksumIsReadAsUnverified() throws Exception {
        Path f = dir.resolve("metrics.jsonl");
        String line = MetricsLog.toJson(MetricsLogTest.row(0, 0));
        String legacy = line.replaceFirst(",\"sha256\":\"[0-9a-f]{64}\"}$", "}");
        assertFalse(legacy.equals(line));
        Files.write(f, List.of(legacy, MetricsLog.toJson(MetricsLogTest.row(1, 0))));
        MetricsLog.Read r = MetricsLog.read(f);
        assertEquals(List.of(MetricsLogTest.row(0, 0), MetricsLogTest.row(1, 0)), r.rows());
        assertEquals(1, r.unverified());
        assertFalse(MetricsLog.parseChecked(legacy).verified());
        assertTrue(MetricsLog.parseChecked(line).verified());
    }

    /** The checksum survives a re-serialization, so tools that copy rows keep them verifiable. */
    @Test
    void parsingAndWritingAgainGivesTheSameLine() throws Exception {
        SplittableRandom rnd = new SplittableRandom(23);
        for (int i = 0; i < 2000; i++) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("a", rnd.nextDouble() * Math.pow(10, rnd.nextInt(-12, 20)));
            m.put("b", (double) rnd.nextInt(-5, 5));
            m.put("c", -0.0);
            Map<String, Double> sums = new LinkedHashMap<>();
            sums.put("nll_sum", rnd.nextDouble() * 1e6);
            sums.put("n_predictions", (double) rnd.nextLong(0, 1L << 52));
            sums.put("neg_zero", -0.0);
            MetricsRow r =
                    new MetricsRow(
                            MetricsRow.SCHEMA,
                            "mix:0.5+curate:0.9",
                            i,
                            i % 7,
                            "test",
                            m,
                            Map.of("a", sums),
                            "2025-01-01T12:00:00.123456Z");
            String line = MetricsLog.toJson(r);
            assertEquals(line, MetricsLog.toJson(MetricsLog.parse(line)), line);
        }
    }
}
