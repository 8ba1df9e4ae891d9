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
}
