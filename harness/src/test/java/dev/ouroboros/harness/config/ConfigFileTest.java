package dev.ouroboros.harness.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.CliRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Config files that used to be accepted by surprise — empty (a full default study), a key given
 * twice (the last value silently won), not UTF-8 ("Input length = 1") — are one-line errors with
 * exit code 2 for run, validate and train, and nothing is written.
 */
class ConfigFileTest {
    @TempDir Path tmp;

    /** Runs run, validate and train on {@code file}; each must refuse with {@code expected}. */
    private void refusedEverywhere(Path file, String expected) {
        Path out = tmp.resolve("out");
        List<String[]> commands =
                List.of(
                        new String[] {"run", file.toString(), "out=" + out},
                        new String[] {"validate", file.toString(), "out=" + out},
                        new String[] {"train", "--config", file.toString(), "out=" + out});
        for (String[] args : commands) {
            CliRun r = CliRun.of(args);
            assertEquals(2, r.exitCode(), args[0] + ": " + r.out() + r.err());
            // validate lists its checks on stdout, the failed one as "✗ config: ..."
            String line =
                    args[0].equals("validate")
                            ? r.out()
                                    .lines()
                                    .filter(l -> l.startsWith("✗ "))
                                    .findFirst()
                                    .orElse("")
                                    .replaceFirst("^✗ config: ", "ouro: ")
                            : r.err();
            if (!args[0].equals("validate")) {
                assertEquals(1, r.err().lines().count(), args[0] + ": " + r.err());
            }
            assertTrue(line.startsWith("ouro: " + file + ":"), args[0] + ": " + r.out() + r.err());
            assertTrue(line.contains(expected), args[0] + ": " + line);
            assertFalse(Files.exists(out), args[0] + " wrote " + out);
        }
    }

    @Test
    void anEmptyConfigIsRefused() throws Exception {
        Path empty = tmp.resolve("empty.yaml");
        Files.writeString(empty, "");
        refusedEverywhere(empty, "the config file is empty");
        Path comments = tmp.resolve("comments.yaml");
        Files.writeString(comments, "# nothing but a comment\n\n");
        refusedEverywhere(comments, "the config file is empty");
    }

    @Test
    void aKeyGivenTwiceIsRefusedWithItsLine() throws Exception {
        Path dup = tmp.resolve("dup.yaml");
        Files.writeString(dup, "train:\n  epochs: 3\n  epochs: 5\n");
        refusedEverywhere(dup, "key 'epochs' is given twice");
        CliRun r = CliRun.of("run", dup.toString(), "out=" + tmp.resolve("out"));
        assertTrue(r.err().startsWith("ouro: " + dup + ":3: "), r.err());
        Path top = tmp.resolve("top.yaml");
        Files.writeString(top, "generations: 2\nseeds: [0]\ngenerations: 3\n");
        CliRun t = CliRun.of("run", top.toString(), "out=" + tmp.resolve("out"));
        assertEquals(2, t.exitCode(), t.err());
        assertTrue(t.err().contains("key 'generations' is given twice"), t.err());
    }

    @Test
    void aFileThatIsNotUtf8TextIsRefused() throws Exception {
        Path latin1 = tmp.resolve("latin1.yaml");
        Files.write(latin1, "name: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        refusedEverywhere(latin1, "not UTF-8 text");
        Path binary = tmp.resolve("binary.yaml");
        Files.write(binary, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, (byte) 0xff, 1});
        refusedEverywhere(binary, "not UTF-8 text");
        Path nul = tmp.resolve("nul.yaml");
        Files.write(nul, new byte[] {'a', ':', ' ', '1', 0, '\n'});
        refusedEverywhere(nul, "not a text file");
    }
}
