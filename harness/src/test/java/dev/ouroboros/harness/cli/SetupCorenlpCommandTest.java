package dev.ouroboros.harness.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.eval.syntax.corenlp.CoreNlpModels;
import dev.ouroboros.harness.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ouro setup corenlp}: a missing or foreign jar is one line and exit 2, nothing installed.
 */
class SetupCorenlpCommandTest {
    @Test
    void aMissingJarNamesTheMavenCommand(@TempDir Path dir) {
        Path missing = dir.resolve("nope.jar");
        CliRun r = CliRun.of("setup", "corenlp", "--jar", missing.toString());
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertEquals(
                "ouro: no CoreNLP models jar at "
                        + missing
                        + ": fetch it with `mvn dependency:get -Dartifact="
                        + CoreNlpModels.ARTIFACT
                        + "` (or pass --jar PATH)",
                r.err().strip());
    }

    @Test
    void aForeignJarIsRefusedByItsChecksum(@TempDir Path dir) throws Exception {
        Path foreign = Files.writeString(dir.resolve("foreign.jar"), "not a jar");
        CliRun r = CliRun.of("setup", "corenlp", "--jar", foreign.toString());
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().strip().startsWith("ouro: " + foreign + ": SHA-256 "), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
