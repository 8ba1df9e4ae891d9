package dev.ouroboros.harness.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.CliRun;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.run.Study;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --fresh-jvm} ends: the Gaussian testbed (which has no generation directories) used to
 * start a child JVM every few seconds forever; it now runs in process, is complete once its rows
 * are written, and a second {@code --fresh-jvm} run of the finished study ends at once.
 */
class FreshJvmTest {
    static final Path GAUSSIAN = Path.of("../configs/gaussian.yaml").toAbsolutePath().normalize();

    @TempDir Path tmp;

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
