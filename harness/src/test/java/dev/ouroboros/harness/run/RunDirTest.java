package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.UserInputException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirTest {
    @Test
    void aSecondWriterIsRefusedUntilTheFirstLetsGo(@TempDir Path tmp) {
        try (RunDir first = RunDir.lock(tmp.resolve("run"))) {
            UserInputException e =
                    assertThrows(UserInputException.class, () -> RunDir.lock(tmp.resolve("run")));
            assertTrue(e.getMessage().contains("another ouro process"), e.getMessage());
        }
        RunDir.lock(tmp.resolve("run")).close(); // released
    }

    @Test
    void aPlaceThatCannotHoldDirectoriesIsOneLine(@TempDir Path tmp) throws Exception {
        Path file = java.nio.file.Files.writeString(tmp.resolve("a-file"), "x");
        for (Path bad : new Path[] {Path.of("/proc/ouro-camp/run"), file.resolve("run")}) {
            UserInputException e = assertThrows(UserInputException.class, () -> RunDir.lock(bad));
            assertTrue(
                    e.getMessage().startsWith(bad + ": cannot create the run directory ("),
                    e.getMessage());
        }
    }

    @Test
    void layout() {
        Path cell = RunDir.cell(Path.of("runs/x"), "keep-real:0.1", 3);
        assertTrue(
                RunDir.gen(cell, 7)
                        .toString()
                        .endsWith("runs/x/policy=keep-real:0.1/seed=3/gen=007"));
    }
}
