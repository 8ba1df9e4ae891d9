package dev.ouroboros.models.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MappedFileTest {
    @TempDir Path dir;

    @Test
    void regionMappingUsedForFilesOver2GiBGivesTheSameSlices() throws IOException {
        byte[] content = new byte[10_000];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31);
        }
        Path file = Files.write(dir.resolve("f.bin"), content);
        try (MappedFile whole = MappedFile.open(file);
                MappedFile regions = MappedFile.open(file, 100)) {
            for (long[] r :
                    new long[][] {{0, 8}, {4093, 7}, {4096, 5000}, {9999, 1}, {10_000, 0}}) {
                ByteBuffer a = whole.slice(r[0], r[1]);
                ByteBuffer b = regions.slice(r[0], r[1]);
                assertEquals(ByteBuffer.wrap(content, (int) r[0], (int) r[1]), a);
                assertEquals(a, b);
                assertEquals(ByteOrder.LITTLE_ENDIAN, b.order());
                assertTrue(b.isDirect());
            }
        }
    }

    @Test
    void slicesOutliveTheChannel() throws IOException {
        Path file = Files.write(dir.resolve("g.bin"), new byte[] {1, 2, 3, 4});
        ByteBuffer b;
        try (MappedFile f = MappedFile.open(file, 0)) {
            b = f.slice(1, 3);
        }
        assertEquals(ByteBuffer.wrap(new byte[] {2, 3, 4}), b);
    }

    @Test
    void missingFileIsUserInput() {
        Path file = dir.resolve("absent.bin");
        assertEquals(
                file + ": no such file",
                assertThrows(UserInputException.class, () -> MappedFile.open(file)).getMessage());
    }
}
