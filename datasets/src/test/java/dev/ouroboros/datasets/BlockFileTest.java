package dev.ouroboros.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockFileTest {
    static final String SHA = "ab".repeat(32);
    static final String OTHER_SHA = "cd".repeat(32);

    @TempDir Path tmp;

    static TokenBlocks random(int count, int blockSize, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] t = new int[count * blockSize];
        for (int i = 0; i < t.length; i++) {
            t[i] = r.nextInt(50272);
        }
        return new TokenBlocks(blockSize, t);
    }

    @Test
    void roundTrip() {
        TokenBlocks blocks = random(100, 64, 1);
        Path f = tmp.resolve("a.blocks");
        BlockFile.write(f, blocks, SHA);
        try (BlockFile r = BlockFile.open(f, SHA, 64)) {
            assertEquals(100, r.count());
            assertEquals(64, r.blockSize());
            assertEquals(64, r.header().blockSize());
            assertEquals(100, r.header().count());
            assertEquals(SHA, r.header().tokenizerSha256());
            for (int i = 0; i < 100; i++) {
                assertArrayEquals(blocks.block(i), r.block(i));
            }
            assertArrayEquals(blocks.tokens(), r.toTokenBlocks().tokens());
        }
        assertEquals(BlockFile.HEADER_BYTES + 100 * 64 * 4, f.toFile().length());
    }

    /**
     * A changed id is caught on open, whichever writer made the file: the header CRC alone once let
     * 200 overwritten ids of a synthetic set through, and training silently used them.
     */
    @Test
    void changedIdsAreCaughtOnOpen() throws IOException {
        Path whole = tmp.resolve("whole.blocks");
        BlockFile.write(whole, random(50, 16, 7), SHA);
        Path appended = tmp.resolve("appended.blocks");
        try (BlockFileWriter w = BlockFileWriter.open(appended, 16, SHA)) {
            w.append(random(20, 16, 8));
        }
        try (BlockFileWriter w = BlockFileWriter.open(appended, 16, SHA)) { // resumed writer
            w.append(random(30, 16, 9));
        }
        for (Path f : List.of(whole, appended)) {
            assertEquals(50, BlockFile.open(f, SHA, 16).count());
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                ByteBuffer one = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(4242);
                ch.write(one.flip(), BlockFile.HEADER_BYTES + 4L * (16 * 33 + 5));
            }
            UserInputException e =
                    assertThrows(UserInputException.class, () -> BlockFile.open(f, SHA, 16));
            assertTrue(e.getMessage().startsWith(f + ": corrupt"), e.getMessage());
            assertThrows(UserInputException.class, () -> BlockFileWriter.open(f, 16, SHA));
        }
    }

    @Test
    void emptyFileRoundTrips() {
        Path f = tmp.resolve("e.blocks");
        BlockFile.write(f, new TokenBlocks(8, new int[0]), SHA);
        assertEquals(0, BlockFile.open(f, SHA, 8).count());
    }

    @Test
    void headerValidation() throws IOException {
        Path f = tmp.resolve("a.blocks");
        BlockFile.write(f, random(3, 16, 2), SHA);
        UserInputException wrongTok =
                assertThrows(UserInputException.class, () -> BlockFile.open(f, OTHER_SHA, 16));
        assertTrue(
                wrongTok.getMessage().startsWith(f + ": made with tokenizer sha256 " + SHA),
                wrongTok.getMessage());
        assertTrue(wrongTok.getMessage().contains(OTHER_SHA), wrongTok.getMessage());
        UserInputException wrongB =
                assertThrows(UserInputException.class, () -> BlockFile.open(f, SHA, 64));
        assertEquals(f + ": block size 16, expected 64", wrongB.getMessage());
        assertEquals(3, BlockFile.open(f, null, 0).count());

        Path junk = tmp.resolve("junk.blocks");
        Files.write(junk, new byte[100]);
        assertTrue(
                assertThrows(UserInputException.class, () -> BlockFile.open(junk, SHA, 16))
                        .getMessage()
                        .contains("bad magic"));

        // flip a header byte: the CRC catches it
        byte[] bytes = Files.readAllBytes(f);
        bytes[13] ^= 1;
        Path flipped = tmp.resolve("flipped.blocks");
        Files.write(flipped, bytes);
        assertTrue(
                assertThrows(UserInputException.class, () -> BlockFile.open(flipped, SHA, 16))
                        .getMessage()
                        .contains("CRC"));

        // a file cut inside its committed blocks is refused, not half-read
        Path cut = tmp.resolve("cut.blocks");
        Files.write(
                cut,
                java.util.Arrays.copyOf(
                        Files.readAllBytes(f), BlockFile.HEADER_BYTES + 16 * 4 * 2 + 5));
        assertTrue(
                assertThrows(UserInputException.class, () -> BlockFile.open(cut, SHA, 16))
                        .getMessage()
                        .startsWith(cut + ": truncated"));
    }

    @Test
    void appendResumeAfterCrashContinuesExactly() throws IOException {
        Path f = tmp.resolve("syn.blocks");
        TokenBlocks all = random(50, 8, 3);
        try (BlockFileWriter w = BlockFileWriter.open(f, 8, SHA)) {
            assertEquals(0, w.count());
            w.append(new TokenBlocks(8, java.util.Arrays.copyOfRange(all.tokens(), 0, 10 * 8)));
            w.append(
                    new TokenBlocks(8, java.util.Arrays.copyOfRange(all.tokens(), 10 * 8, 20 * 8)));
            assertEquals(20, w.count());
        }
        // Simulate a writer killed mid-batch: data of a third batch partly written, header never
        // updated.
        try (FileChannel ch =
                FileChannel.open(f, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer partial = ByteBuffer.allocate(7 * 8 * 4 + 6).order(ByteOrder.LITTLE_ENDIAN);
            while (partial.hasRemaining()) {
                partial.put((byte) 0x7f);
            }
            partial.flip();
            ch.write(partial);
        }
        // A reader trusts only the committed 20 blocks.
        try (BlockFile r = BlockFile.open(f, SHA, 8)) {
            assertEquals(20, r.count());
            assertArrayEquals(
                    java.util.Arrays.copyOf(all.tokens(), 20 * 8), r.toTokenBlocks().tokens());
        }
        // Resume: count the completed blocks, append the rest.
        try (BlockFileWriter w = BlockFileWriter.open(f, 8, SHA)) {
            assertEquals(20, w.count());
            assertEquals(BlockFile.HEADER_BYTES + 20 * 8 * 4, Files.size(f));
            w.append(
                    new TokenBlocks(8, java.util.Arrays.copyOfRange(all.tokens(), 20 * 8, 50 * 8)));
        }
        try (BlockFile r = BlockFile.open(f, SHA, 8)) {
            assertArrayEquals(all.tokens(), r.toTokenBlocks().tokens());
        }
        UserInputException e =
                assertThrows(UserInputException.class, () -> BlockFileWriter.open(f, 8, OTHER_SHA));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    }

    @Test
    void viewsConcatAndSelect() {
        Path a = tmp.resolve("a.blocks");
        Path b = tmp.resolve("b.blocks");
        TokenBlocks ta = random(3, 4, 5);
        TokenBlocks tb = random(2, 4, 6);
        BlockFile.write(a, ta, SHA);
        BlockFile.write(b, tb, SHA);
        BlockSource all =
                BlockSource.concat(
                        List.of(
                                BlockFile.open(a, SHA, 4),
                                new TokenBlocks(4, new int[0]),
                                BlockFile.open(b, SHA, 4)));
        assertEquals(5, all.count());
        assertArrayEquals(ta.block(2), all.block(2));
        assertArrayEquals(tb.block(0), all.block(3));
        assertArrayEquals(tb.block(1), all.block(4));
        BlockSource picked = all.select(new int[] {4, 0, 4});
        assertEquals(3, picked.count());
        assertArrayEquals(tb.block(1), picked.block(0));
        assertArrayEquals(ta.block(0), picked.block(1));
        assertThrows(IndexOutOfBoundsException.class, () -> all.select(new int[] {5}));
    }
}
