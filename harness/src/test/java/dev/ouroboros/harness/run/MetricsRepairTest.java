package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.harness.CliRun;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A finished run whose metrics.jsonl lost its end (truncate -s -120) or rows in the middle gets
 * them back on resume, byte for byte from each DONE generation's eval.json; a garbage line in the
 * middle is named by ouro report.
 */
class MetricsRepairTest {
    @TempDir Path tmp;

    @Test
    void resumeRepairsATruncatedAndAHollowedMetricsFile() throws Exception {
        Path out = tmp.resolve("runs");
        StringBuilder log = new StringBuilder();
        assertEquals(
                0,
                StudyTestSupport.runChild(StudyTestSupport.tiny(out), null, log),
                log.toString());
        Path run = out.resolve("study");
        Path metrics = run.resolve(MetricsLog.FILE);
        TreeMap<String, String> reference = StudyTestSupport.rows(run);
        String whole = Files.readString(metrics, StandardCharsets.UTF_8);
        assertEquals(11, reference.size());

        // truncate -s -120: the last row (gen 2, split real) is torn
        try (FileChannel ch = FileChannel.open(metrics, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 120);
        }
        StringBuilder again = new StringBuilder();
        assertEquals(
                0,
                StudyTestSupport.runChild(StudyTestSupport.tiny(out), null, again),
                again.toString());
        assertTrue(
                again.toString()
                        .contains(
                                "metrics.jsonl: removed a torn last line; restored 1 row from"
                                        + " policy=accumulate/seed=3/gen=002/eval.json"),
                again.toString());
        assertEquals(whole, Files.readString(metrics, StandardCharsets.UTF_8));
        assertTrue(MetricsLog.read(metrics).skipped().isEmpty());

        // rows 2 and 5 deleted: both restored, the other rows left where they were
        List<String> lines = new ArrayList<>(Files.readAllLines(metrics, StandardCharsets.UTF_8));
        String second = lines.remove(1);
        String fifth = lines.remove(3);
        Files.write(metrics, lines, StandardCharsets.UTF_8);
        StringBuilder third = new StringBuilder();
        assertEquals(
                0,
                StudyTestSupport.runChild(StudyTestSupport.tiny(out), null, third),
                third.toString());
        assertTrue(
                third.toString().contains("metrics.jsonl: restored 2 rows from"), third.toString());
        List<String> repaired = Files.readAllLines(metrics, StandardCharsets.UTF_8);
        assertEquals(lines, repaired.subList(0, 9));
        assertEquals(List.of(second, fifth), repaired.subList(9, 11));
        assertEquals(reference, StudyTestSupport.rows(run));

        // a whole file is left alone
        StringBuilder fourth = new StringBuilder();
        assertEquals(
                0,
                StudyTestSupport.runChild(StudyTestSupport.tiny(out), null, fourth),
                fourth.toString());
        assertTrue(!fourth.toString().contains("metrics.jsonl:"), fourth.toString());
        assertEquals(repaired, Files.readAllLines(metrics, StandardCharsets.UTF_8));

        // garbage in the middle and a NaN row: report names each line, writes the rest
        List<String> bad = new ArrayList<>(repaired);
        bad.add(3, "garbage {");
        bad.add(6, repaired.get(0).replaceFirst("(\"metrics\":\\{\"\\w+\":)[-0-9.eE]+", "$1NaN"));
        Files.write(metrics, bad, StandardCharsets.UTF_8);
        CliRun r = CliRun.of("report", run.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(
                r.err().contains("ouro: warning: " + metrics + ":4: skipped a line that is not"),
                r.err());
        assertTrue(
                r.err().contains("ouro: warning: " + metrics + ":7: skipped a row holding NaN"),
                r.err());
        assertTrue(r.out().contains("report: 11 rows (2 line(s) skipped"), r.out());
    }
}
