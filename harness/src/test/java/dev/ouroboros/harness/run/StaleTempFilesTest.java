package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.io.AtomicFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write killed between its temporary file and the rename left {@code .NAME.<n>.tmp} in the run
 * directory for good. A run that takes the directory's lock removes them first (no other process
 * can be writing them then); a process refused the lock touches nothing; report/ belongs to {@code
 * ouro report}, which has its own lock.
 */
class StaleTempFilesTest {
    @TempDir Path tmp;

    @Test
    void aResumeRemovesTheTemporaryFilesOfKilledWritesButOnlyUnderTheLock() throws Exception {
        List<String> cfg = StudyTestSupport.tiny(tmp);
        StringBuilder log = new StringBuilder();
        assertEquals(137, StudyTestSupport.runChild(cfg, "atomic-write:9", log), log.toString());
        Path run = tmp.resolve("study");
        List<Path> left = temps(run);
        assertEquals(1, left.size(), "the killed write's temporary file: " + left);
        Path report = Files.createDirectories(run.resolve("report"));
        Path theirs = Files.writeString(report.resolve(".index.html.5.tmp"), "x");

        // another process holds the lock: refused, nothing removed
        try (RunDir held = RunDir.lock(run)) {
            StringBuilder refused = new StringBuilder();
            assertEquals(2, StudyTestSupport.runChild(cfg, null, refused), refused.toString());
            assertTrue(refused.toString().contains("another ouro process"), refused.toString());
            assertEquals(left, temps(run).stream().filter(p -> !p.equals(theirs)).toList());
        }

        StringBuilder resumed = new StringBuilder();
        assertEquals(0, StudyTestSupport.runChild(cfg, null, resumed), resumed.toString());
        String rel = run.relativize(left.get(0)).toString();
        assertTrue(
                resumed.toString()
                        .contains(
                                run + ": removed 1 temporary file of killed writes (" + rel + ")"),
                resumed.toString());
        assertEquals(List.of(theirs), temps(run));
        assertFalse(Files.exists(left.get(0)));
    }

    private static List<Path> temps(Path run) throws Exception {
        try (Stream<Path> s = Files.walk(run)) {
            return s.filter(p -> AtomicFile.isTemp(p.getFileName().toString())).sorted().toList();
        }
    }
}
