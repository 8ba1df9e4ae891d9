package dev.ouroboros.datasets;

import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Appends batches of blocks to a {@link BlockFile} so that a killed writer can be resumed.
 *
 * <p>The file is created atomically with a header counting 0 blocks. Each {@link #append} writes
 * the batch after the committed blocks, fsyncs it, and only then rewrites the header's count (and
 * CRC) and fsyncs again. A crash at any point leaves a file whose header counts only whole, durable
 * batches; bytes past them are ignored by readers and cut off when the writer is reopened, so
 * resuming continues exactly after the last committed batch.
 */
public final class BlockFileWriter implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final int blockSize;
    private final byte[] sha;
    private long count;

    /**
     * Of the committed ids, continued by each append (a failed append leaves the writer unusable:
     * reopen it, which recomputes this from the committed ids).
     */
    private final CRC32C crc;

    private BlockFileWriter(
            Path path, FileChannel channel, int blockSize, byte[] sha, long count, CRC32C crc) {
        this.path = path;
        this.channel = channel;
        this.blockSize = blockSize;
        this.sha = sha;
        this.count = count;
        this.crc = crc;
    }

    /**
     * Opens {@code path} for appending, creating it (empty) if absent. An existing file must have
     * the same block size and tokenizer; anything after its committed blocks is truncated away.
     *
     * @throws UserInputException naming the file if it exists but is not a matching block file
     */
    public static BlockFileWriter open(Path path, int blockSize, String tokenizerSha256) {
        byte[] sha = BlockFile.shaBytes(tokenizerSha256);
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size must be positive, got " + blockSize);
        }
        if (!Files.exists(path)) {
            AtomicFile.write(
                    path,
                    out ->
                            BlockFile.writeFully(
                                    out,
                                    BlockFile.header(
                                            blockSize, 0, sha, (int) new CRC32C().getValue()),
                                    0));
        }
        try {
            FileChannel ch =
                    FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            try {
                BlockFile.Header h = BlockFile.readHeader(path, ch);
                BlockFile.check(path, h, tokenizerSha256, blockSize);
                long committedEnd = BlockFile.HEADER_BYTES + h.count() * blockSize * 4L;
                if (ch.size() < committedEnd) {
                    throw new CorruptBlockFileException(
                            path,
                            "truncated, header promises "
                                    + h.count()
                                    + " blocks but the file has only "
                                    + ch.size()
                                    + " bytes");
                }
                if (ch.size() > committedEnd) {
                    ch.truncate(committedEnd); // an append that never committed
                    ch.force(true);
                }
                // the committed ids are verified (a version-1 file's are taken as they are) and
                // their checksum continued by the appends
                CRC32C crc = new CRC32C();
                if (h.count() > 0) {
                    try (BlockFile committed = BlockFile.open(path, tokenizerSha256, blockSize)) {
                        java.nio.MappedByteBuffer m =
                                ch.map(
                                        FileChannel.MapMode.READ_ONLY,
                                        BlockFile.HEADER_BYTES,
                                        committedEnd - BlockFile.HEADER_BYTES);
                        crc.update(m);
                    }
                }
                return new BlockFileWriter(path, ch, blockSize, sha, h.count(), crc);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UserInputException(
                    path + ": cannot open for appending (" + e.getMessage() + ")", e);
        }
    }

    /** Blocks committed so far. */
    public long count() {
        return count;
    }

    public int blockSize() {
        return blockSize;
    }

    public Path path() {
        return path;
    }

    /**
     * Appends all blocks of {@code batch} durably; when this returns they count. Returns the new
     * count.
     */
    public long append(BlockSource batch) {
        if (batch.blockSize() != blockSize) {
            throw new IllegalArgumentException(
                    "batch has block size "
                            + batch.blockSize()
                            + ", file "
                            + path
                            + " has "
                            + blockSize);
        }
        try {
            long start = BlockFile.HEADER_BYTES + count * blockSize * 4L;
            BlockFile.writeBlocks(channel, batch, 0, batch.count(), start, crc);
            channel.force(false);
            long newCount = count + batch.count();
            BlockFile.writeFully(
                    channel, BlockFile.header(blockSize, newCount, sha, (int) crc.getValue()), 0);
            channel.force(false);
            count = newCount;
            return count;
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": append failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": close failed", e);
        }
    }
}
