package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.harness.CliRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ouro report FOLDER} on a folder of hand-made runs merges them every time: a run added
 * after the first report is in the second (it was silently left out once the folder had a
 * metrics.jsonl of its own).
 */
class ReportFolderTest {
    @TempDir Path tmp;

    private void study(String name, String seed) {
        List<String> a = new ArrayList<>(List.of("run", StudyTestSupport.SMOKE.toString()));
        a.addAll(StudyTestSupport.tiny(tmp));
        a.addAll(List.of("name=" + name, "generations=1", "seeds=[" + seed + "]"));
        CliRun r = CliRun.of(a.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
    }

    @Test
    void aRunAddedAfterTheFirstReportIsInTheNext() {
        study("a", "3");
        CliRun first = CliRun.of("report", tmp.toString());
        assertEquals(0, first.exitCode(), first.err());
        int one = MetricsLog.read(tmp.resolve(MetricsLog.FILE)).rows().size();
        study("b", "4");
        CliRun second = CliRun.of("report", tmp.toString());
        assertEquals(0, second.exitCode(), second.err());
        assertEquals(2 * one, MetricsLog.read(tmp.resolve(MetricsLog.FILE)).rows().size());
    }
}
