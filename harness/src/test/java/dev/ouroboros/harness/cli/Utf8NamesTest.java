package dev.ouroboros.harness.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.ChildJvm;
import dev.ouroboros.harness.run.StudyTestSupport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23, item 7: under LC_ALL=C the JVM encodes file names in ASCII (fixed when it starts), so a
 * non-ASCII run name was a stack trace and a non-ASCII file could not be opened. scripts/ouro now
 * starts the JVM under C.UTF-8 when the caller's locale is not UTF-8 (scripts/lib/utf8-locale.sh),
 * where such names work; a JVM started under an ASCII locale anyway refuses them in one line.
 */
class Utf8NamesTest {
    @TempDir Path tmp;

    record Child(int exit, String output) {}

    private Child validate(String lcAll, String name) throws Exception {
        ProcessBuilder pb =
                ChildJvm.ouro(
                        null,
                        List.of(
                                "validate",
                                StudyTestSupport.SMOKE.toString(),
                                "out=" + tmp,
                                "name=" + name));
        pb.environment().put("LC_ALL", lcAll);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        return new Child(p.exitValue(), out);
    }

    @Test
    void anAsciiLocaleRefusesANonAsciiNameInOneLine() throws Exception {
        Child c = validate("C", "étude");
        assertEquals(2, c.exit(), c.output());
        assertFalse(c.output().contains("\tat "), "a stack trace:\n" + c.output());
        assertTrue(
                c.output().contains("run it under a UTF-8 locale, e.g. LC_ALL=C.UTF-8"),
                c.output());
    }

    @Test
    void theLauncherPicksAUtf8LocaleAndTheNameWorks() throws Exception {
        Path script = Path.of("../scripts/lib/utf8-locale.sh").toAbsolutePath().normalize();
        Process p =
                new ProcessBuilder(
                                "bash",
                                "-c",
                                "export LC_ALL=C; . '" + script + "'; locale charmap; echo $LC_ALL")
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        assertEquals(List.of("UTF-8", "C.UTF-8"), out.strip().lines().toList(), out);
        Child c = validate("C.UTF-8", "étude");
        assertEquals(0, c.exit(), c.output());
        assertTrue(c.output().contains("✓ run directory " + tmp.resolve("étude")), c.output());
    }
}
