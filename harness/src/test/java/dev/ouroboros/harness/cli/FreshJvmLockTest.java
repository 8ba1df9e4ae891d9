package dev.ouroboros.harness.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.ouroboros.harness.CliRun;
import dev.ouroboros.harness.run.RunDir;
import dev.ouroboros.harness.run.StudyTestSupport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23, item 7: {@code --fresh-jvm} on a run directory another process holds is refused in one
 * line before a child JVM is started (a child used to be started, fail on the lock, and the parent
 * then reported the child's exit).
 */
class FreshJvmLockTest {
    @TempDir Path tmp;

    @Test
    void aLockedRunIsRefusedBeforeAnyChildStarts() {
        List<String> a = new ArrayList<>(List.of("run", StudyTestSupport.SMOKE.toString()));
        a.addAll(StudyTestSupport.tiny(tmp));
        a.add("--fresh-jvm");
        Path dir = tmp.resolve("study");
        try (RunDir held = RunDir.lock(dir)) { // another process's run, here this JVM's lock
            CliRun r =
                    assertTimeoutPreemptively(
                            Duration.ofSeconds(60), () -> CliRun.of(a.toArray(String[]::new)));
            assertEquals(2, r.exitCode(), r.err());
            assertEquals(
                    "ouro: "
                            + dir
                            + ": another ouro process is writing this run directory (lock "
                            + dir.resolve(".lock")
                            + ")",
                    r.err().strip());
        }
    }
}
