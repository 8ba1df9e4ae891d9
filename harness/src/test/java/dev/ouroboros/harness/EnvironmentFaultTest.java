package dev.ouroboros.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults of the machine (an output directory that cannot be written, a full disk, an output path
 * that is a file, a model too big for memory) are one line naming the path or size, exit code 2,
 * never "internal error" and a stack trace.
 */
class EnvironmentFaultTest {
    static final Path SMOKE = Path.of("../configs/smoke.yaml").toAbsolutePath().normalize();
    static final Path TOKENIZER =
            Path.of("../models/src/test/resources/golden/pre_ln_tied_safetensors/model")
                    .toAbsolutePath()
                    .normalize();

    @TempDir Path tmp;

    static void oneLine(CliRun r, String... expected) {
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertFalse(r.err().contains("internal error"), r.err());
        for (String e : expected) {
            assertTrue(r.err().contains(e), "'" + e + "' in: " + r.err());
        }
    }

    /**
     * A directory nothing can be created in: made read-only, or — where chmod does not stop the
     * user (root) — a path that runs through a regular file, which fails for every user.
     */
    Path unwritable() throws IOException {
        Path ro = Files.createDirectories(tmp.resolve("read-only"));
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        if (!Files.isWritable(ro)) {
            return ro.resolve("runs");
        }
        Path file = Files.writeString(tmp.resolve("a-file"), "not a directory\n");
        return file.resolve("runs");
    }

    @Test
    void runIntoAnUnwritableDirectoryIsOneLineNamingThePath() throws Exception {
        Path out = unwritable();
        CliRun r = CliRun.of("run", SMOKE.toString(), "out=" + out);
        oneLine(r, out.getParent().toString());
        assertTrue(
                r.err().contains("permission denied") || r.err().contains("not a directory"),
                r.err());
        CliRun g =
                CliRun.of(
                        "generate",
                        "--model",
                        TOKENIZER.toString(),
                        "--prompts",
                        TOKENIZER.resolveSibling("../eval.txt").normalize().toString(),
                        "--out",
                        out.resolve("s.bin").toString(),
                        "--block",
                        "8",
                        "--new-tokens",
                        "2",
                        "--max-prompts",
                        "2");
        oneLine(g, out.getParent().toString());
    }

    @Test
    void aFullDiskIsOneLineNamingTheFile() {
        IOException enospc = new IOException("No space left on device");
        String line =
                EnvironmentFault.describe(
                        new RuntimeException(
                                new UncheckedIOException(
                                        "/runs/x/metrics.jsonl: append failed: No space left on device",
                                        enospc)));
        assertEquals(
                "/runs/x/metrics.jsonl: no space left on device; free some space or choose another"
                        + " out=, then run the same command again",
                line);
        assertEquals(null, EnvironmentFault.describe(new IllegalStateException("a bug")));
        assertEquals(
                null, EnvironmentFault.describe(new UncheckedIOException(new IOException("x: y"))));
    }

    @Test
    void initOntoAnExistingFileIsRefused() throws Exception {
        Path file = Files.writeString(tmp.resolve("model"), "x");
        oneLine(
                CliRun.of("init", "--tokenizer", TOKENIZER.toString(), "--out", file.toString()),
                file + ": exists and is not a directory");
        assertEquals("x", Files.readString(file));
    }

    @Test
    void initOfAModelTooBigForMemoryNamesTheSize() {
        Path out = tmp.resolve("huge");
        CliRun r =
                CliRun.of(
                        "init",
                        "--tokenizer",
                        TOKENIZER.toString(),
                        "--out",
                        out.toString(),
                        "--hidden",
                        "1000000",
                        "--heads",
                        "4");
        oneLine(r, "--hidden 1000000", "not enough memory", "GiB");
        assertFalse(Files.exists(out.resolve("model.safetensors")));
    }
}
