package dev.ouroboros.models.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
    @TempDir Path dir;

    /**
     * An atomically written file gets the mode of any other new file (0666 less the umask, as
     * Files.write gives), not the rw------- of a temporary file.
     */
    @Test
    void theFileHasTheModeAPlainWriteWouldGive() throws Exception {
        Path plain = Files.writeString(dir.resolve("plain.json"), "{}");
        Path atomic = dir.resolve("atomic.json");
        AtomicFile.write(atomic, "{}".getBytes(StandardCharsets.UTF_8));
        assertEquals(
                PosixFilePermissions.toString(Files.getPosixFilePermissions(plain)),
                PosixFilePermissions.toString(Files.getPosixFilePermissions(atomic)));
        assertTrue(Files.isReadable(atomic));
        // replacing it leaves no temporary file beside it
        AtomicFile.write(atomic, "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        assertEquals("{\"a\":1}", Files.readString(atomic));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(2, s.count());
        }
    }

    /**
     * A write killed before its rename leaves .NAME.<n>.tmp; removeStale deletes exactly those, at
     * any depth, and leaves the directories it is told to skip alone.
     */
    @Test
    void removeStaleDeletesOnlyTheTemporaryFilesOfKilledWrites() throws Exception {
        Path gen = Files.createDirectories(dir.resolve("policy=replace/seed=0/gen=001"));
        Path report = Files.createDirectories(dir.resolve("report"));
        Path a = Files.writeString(dir.resolve(".metrics.jsonl.123.tmp"), "x");
        Path b = Files.writeString(gen.resolve(".eval.json.18446744073709551615.tmp"), "x");
        Path theirs = Files.writeString(report.resolve(".summary.csv.7.tmp"), "x");
        Path[] kept = {
            Files.writeString(gen.resolve("eval.json"), "{}"),
            Files.writeString(gen.resolve("synthetic.bin.tmp"), "x"),
            Files.writeString(gen.resolve(".eval.json.tmp"), "x"),
            Files.writeString(gen.resolve("x.1.tmp"), "x"),
            Files.createDirectories(gen.resolve(".model.1.tmp"))
        };
        assertTrue(AtomicFile.isTemp(a.getFileName().toString()));
        java.util.List<Path> removed =
                AtomicFile.removeStale(dir, p -> p.getFileName().toString().equals("report"));
        assertEquals(java.util.Set.of(a, b), java.util.Set.copyOf(removed));
        assertTrue(Files.notExists(a) && Files.notExists(b));
        assertTrue(Files.exists(theirs));
        for (Path p : kept) {
            assertTrue(Files.exists(p), p.toString());
        }
    }
}
