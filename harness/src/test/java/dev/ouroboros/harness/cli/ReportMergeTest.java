package dev.ouroboros.harness.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.harness.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ouro report A B … --out M}: several run directories merged afresh on every report, and two
 * runs holding one (policy, seed) refused unless they are copies of one run. Runs are written by
 * hand (rows and a manifest), no training.
 */
class ReportMergeTest {
    @TempDir Path tmp;

    /** A run directory with {@code policy} × {@code seeds}, generations 0–1, one test metric. */
    private Path run(String name, String policy, String created, int... seeds) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(
                dir.resolve("manifest.json"),
                "{\"config_hash\":\"h-" + name + "\",\"created\":\"" + created + "\"}");
        for (int s : seeds) {
            for (int g = 0; g < 2; g++) {
                MetricsLog.append(
                        dir.resolve(MetricsLog.FILE),
                        MetricsRow.of(
                                policy,
                                s,
                                g,
                                "test",
                                Map.of("ppl_blocks64", 20.0 + s + g * 10),
                                Map.of()));
            }
        }
        return dir;
    }

    private static Set<String> cells(Path dir) {
        return MetricsLog.read(dir.resolve(MetricsLog.FILE)).rows().stream()
                .map(r -> r.policy() + "/" + r.seed())
                .collect(Collectors.toSet());
    }

    private static void oneLine(CliRun r, String... needles) {
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        for (String n : needles) {
            assertTrue(r.err().contains(n), n + " in: " + r.err());
        }
    }

    @Test
    void severalRunsAreMergedAfreshEveryTime() throws Exception {
        Path a = run("a", "replace", "t1", 0, 1);
        Path b = run("b", "accumulate", "t2", 0, 1);
        Path c = run("c", "keep-real:0.1", "t3", 0);
        Path m = tmp.resolve("merged");

        CliRun ab = CliRun.of("report", a.toString(), b.toString(), "--out", m.toString());
        assertEquals(0, ab.exitCode(), ab.err());
        assertTrue(ab.out().contains("merge: 8 rows of 2 run(s)"), ab.out());
        assertTrue(ab.out().contains("baseline replace"), "the first run's policy: " + ab.out());
        assertEquals(Set.of("replace/0", "replace/1", "accumulate/0", "accumulate/1"), cells(m));
        assertTrue(Files.exists(m.resolve("report/compare.csv")));
        assertTrue(Files.readString(m.resolve("report/index.html")).contains("merge.json"));

        // another set into the same --out: exactly those runs, nothing left from the last merge
        CliRun bc =
                CliRun.of(
                        "report",
                        b.toString(),
                        c.toString(),
                        "--out",
                        m.toString(),
                        "--baseline",
                        "keep-real:0.1");
        assertEquals(0, bc.exitCode(), bc.err());
        assertEquals(Set.of("accumulate/0", "accumulate/1", "keep-real:0.1/0"), cells(m));
        assertTrue(bc.out().contains("baseline keep-real:0.1"), bc.out());

        // ouro report M alone merges the runs merge.json names again: a row added to c since is in
        MetricsLog.append(
                c.resolve(MetricsLog.FILE),
                MetricsRow.of(
                        "keep-real:0.1", 5, 0, "test", Map.of("ppl_blocks64", 7.0), Map.of()));
        CliRun again = CliRun.of("report", m.toString());
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(cells(m).contains("keep-real:0.1/5"), cells(m).toString());
        assertTrue(again.out().contains("baseline accumulate"), again.out());

        // ouro ls shows the merge with the runs it names, beside the runs themselves
        CliRun ls = CliRun.of("ls", tmp.toString());
        assertEquals(0, ls.exitCode(), ls.err());
        String line = ls.out().lines().filter(l -> l.startsWith("merged ")).findFirst().orElse("");
        assertTrue(line.contains("merge of 2 run(s): b, c"), ls.out());
        assertTrue(line.contains("(ouro report " + m + ")"), line);
        assertTrue(ls.out().lines().anyMatch(l -> l.startsWith("a ")), ls.out());
    }

    @Test
    void twoRunsWithOnePolicyAndSeedAreRefusedNamingBoth() throws Exception {
        Path a = run("a", "replace", "t1", 0, 1);
        Path b = run("b", "replace", "t2", 1, 2);
        Path m = tmp.resolve("merged");
        oneLine(
                CliRun.of("report", a.toString(), b.toString(), "--out", m.toString()),
                "policy replace, seed 1 is in two runs",
                a.toString(),
                b.toString());
        assertFalse(Files.exists(m.resolve(MetricsLog.FILE)), "nothing merged");
    }

    @Test
    void aCopyOfOneRunIsTheSameRun() throws Exception {
        Path a = run("a", "replace", "t1", 0, 1);
        Path copy = Files.createDirectories(tmp.resolve("a-copy"));
        for (String f : List.of("manifest.json", MetricsLog.FILE)) { // same hash and creation time
            Files.copy(a.resolve(f), copy.resolve(f));
        }
        Path m = tmp.resolve("merged");
        CliRun r = CliRun.of("report", a.toString(), copy.toString(), "--out", m.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(4, MetricsLog.read(m.resolve(MetricsLog.FILE)).rows().size(), "deduplicated");
        // the same directory given twice is one run, too
        CliRun twice = CliRun.of("report", a.toString(), a.toString(), "--out", m.toString());
        assertEquals(0, twice.exitCode(), twice.err());
    }

    @Test
    void aFolderOfRunsWithOnePolicyAndSeedTwiceIsAnError() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("folder"));
        Path x = run("folder/x", "replace", "t1", 0);
        Path y = run("folder/y", "replace", "t2", 0);
        oneLine(
                CliRun.of("report", folder.toString()),
                "policy replace, seed 0 is in two runs",
                x.toString(),
                y.toString());
        // y moved away: the folder reports
        Files.move(y, tmp.resolve("y"));
        CliRun ok = CliRun.of("report", folder.toString());
        assertEquals(0, ok.exitCode(), ok.err());
        assertTrue(ok.out().contains("sweep: merged 2 rows of 1 cell(s)"), ok.out());
    }

    @Test
    void badInputIsOneLine() throws Exception {
        Path a = run("a", "replace", "t1", 0);
        Path b = run("b", "accumulate", "t2", 0);
        oneLine(CliRun.of("report", a.toString(), b.toString()), "need --out DIR");
        oneLine(
                CliRun.of(
                        "report",
                        a.toString(),
                        tmp.resolve("nope").toString(),
                        "--out",
                        tmp.resolve("m").toString()),
                "nope: no such run directory");
        oneLine(CliRun.of("report", a.toString(), "--out", b.toString()), "holds a run or a sweep");
        oneLine(
                CliRun.of("report", a.toString(), b.toString(), "--out", a.toString()),
                "is one of the run directories");
        oneLine(
                CliRun.of("report", a.toString(), "--baseline", "acumulate"),
                "baseline acumulate: no such policy",
                "(policies: replace)");
    }
}
