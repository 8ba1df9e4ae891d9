package dev.ouroboros.harness.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.ChildJvm;
import dev.ouroboros.harness.CliRun;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.run.Study;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --fresh-jvm} stops politely: a SIGTERM to the parent (what Slurm signals) reaches the
 * child that trains, which checkpoints and exits 75, and the parent exits 75 too; resuming with
 * {@code --fresh-jvm} completes the study.
 *
 * <p>{@code --fresh-jvm} ends: the Gaussian testbed (which has no generation directories) used to
 * start a child JVM every few seconds forever; it now runs in process, is complete once its rows
 * are written, and a second {@code --fresh-jvm} run of the finished study ends at once.
 */
class FreshJvmTest {
    static final Path GAUSSIAN = Path.of("../configs/gaussian.yaml").toAbsolutePath().normalize();

    static final Path SMOKE = Path.of("../configs/smoke.yaml").toAbsolutePath().normalize();

    @TempDir Path tmp;

    @Test
    void aSigtermToTheParentStopsTheChildWithACheckpointAndExit75() throws Exception {
        List<String> args =
                List.of(
                        "run",
                        SMOKE.toString(),
                        "out=" + tmp,
                        "generations=1",
                        "policies=[replace]",
                        "seeds=[0]",
                        "train.epochs=12",
                        "log.every_steps=1",
                        "--fresh-jvm");
        Path log = tmp.resolve("parent.log");
        Process parent = ChildJvm.ouro(null, args).redirectOutput(log.toFile()).start();
        awaitLine(parent, log, "step 3/");
        assertEquals(
                0,
                new ProcessBuilder("kill", "-TERM", Long.toString(parent.pid())).start().waitFor());
        assertTrue(parent.waitFor(60, TimeUnit.SECONDS), "no exit after SIGTERM");
        String out = Files.readString(log);
        assertEquals(75, parent.exitValue(), out);
        assertTrue(out.contains("checkpoint"), out);
        assertFalse(out.contains("Exception"), out);

        Process resumed = ChildJvm.ouro(null, args).redirectOutput(log.toFile()).start();
        assertTrue(resumed.waitFor(240, TimeUnit.SECONDS), "resume did not end");
        assertEquals(0, resumed.exitValue(), Files.readString(log));
        assertTrue(Study.isComplete(RunConfig.load(SMOKE, args.subList(2, 8))));
    }

    /**
     * Waits until the log holds {@code marker} (failing if the process exits first, or in 120 s).
     */
    private static void awaitLine(Process p, Path log, String marker) throws Exception {
        long end = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < end) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            if (text.contains(marker)) {
                return;
            }
            if (!p.isAlive()) {
                throw new AssertionError("the run ended before " + marker + "\n" + text);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no " + marker + " within 120 s");
    }

    @Test
    void aGaussianRunWithFreshJvmEndsAndIsComplete() throws Exception {
        List<String> o = List.of("out=" + tmp, "generations=6", "seeds=[0,1]");
        String[] args =
                List.of("run", GAUSSIAN.toString(), o.get(0), o.get(1), o.get(2), "--fresh-jvm")
                        .toArray(String[]::new);
        CliRun first = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> CliRun.of(args));
        assertEquals(0, first.exitCode(), first.err());
        RunConfig cfg = RunConfig.load(GAUSSIAN, o);
        assertTrue(Study.isComplete(cfg));
        Path metrics = tmp.resolve("gaussian/metrics.jsonl");
        // 4 policies x 2 seeds x 6 generations, one fit row each
        assertEquals(48, Files.readAllLines(metrics).size());
        String before = Files.readString(metrics);
        CliRun again = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CliRun.of(args));
        assertEquals(0, again.exitCode(), again.err());
        assertEquals(before, Files.readString(metrics));
    }
}
