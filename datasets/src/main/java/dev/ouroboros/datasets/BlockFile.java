package dev.ouroboros.datasets;

import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.AtomicFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * A token-block file: int32 token ids, little-endian, after a 64-byte header; read through memory
 * maps, so a reader holds almost nothing on the heap however large the file.
 *
 * <pre>
 * offset size  field
 *      0    8  magic "OUROBLK\0"
 *      8    4  version (1)
 *     12    4  block size B
 *     16    8  count: blocks committed (a reader trusts exactly these)
 *     24   32  SHA-256 of the tokenizer ({@code OptTokenizer.sha256()}, raw bytes)
 *     56    4  CRC-32 of bytes 0..55
 *     60    4  CRC-32C of the count × B ids (version 2; version-1 files have 0 here, unchecked)
 *     64       count × B int32 ids; bytes after them (an unfinished append) are ignored
 * </pre>
 *
 * <p>{@link #open} verifies both checksums, so a changed id is a one-line error naming the file,
 * never a silently different training set. {@link #write} creates a whole file atomically; {@link
 * BlockFileWriter} appends batches durably (data fsynced before the count that covers it).
 */
public final class BlockFile implements BlockSource, AutoCloseable {
    static final int HEADER_BYTES = 64;
    static final int VERSION = 2;
    static final byte[] MAGIC = "OUROBLK\0".getBytes(StandardCharsets.US_ASCII);

    /** The header fields. */
    /**
     * The header fields; {@code payloadCrc32c} is the CRC-32C of the ids (version 2), null for a
     * version-1 file.
     */
    public record Header(
            int blockSize, long count, String tokenizerSha256, Integer payloadCrc32c) {}

    private final Path path;
    private final Header header;
    private final List<IntBuffer> segments;
    private final int blocksPerSegment;

    private BlockFile(Path path, Header header, List<IntBuffer> segments, int blocksPerSegment) {
        this.path = path;
        this.header = header;
        this.segments = segments;
        this.blocksPerSegment = blocksPerSegment;
    }

    /**
     * Writes {@code blocks} to {@code path} atomically (temp file, fsync, rename).
     *
     * @param tokenizerSha256 hex SHA-256 of the tokenizer that made the ids
     */
    public static void write(Path path, BlockSource blocks, String tokenizerSha256) {
        byte[] sha = shaBytes(tokenizerSha256);
        AtomicFile.write(
                path,
                out -> {
                    CRC32C crc = new CRC32C();
                    writeBlocks(out, blocks, 0, blocks.count(), HEADER_BYTES, crc);
                    writeFully(
                            out,
                            header(blocks.blockSize(), blocks.count(), sha, (int) crc.getValue()),
                            0);
                });
    }

    /**
     * Opens a block file for reading, checking its header.
     *
     * @param expectedTokenizerSha256 hex SHA-256 the ids must come from, or null to accept any
     * @param expectedBlockSize the block size required, or 0 to accept any
     * @throws UserInputException naming the file if it is not a block file, is corrupt or
     *     truncated, or does not match the expected tokenizer or block size
     */
    public static BlockFile open(Path path, String expectedTokenizerSha256, int expectedBlockSize) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            Header h = readHeader(path, ch);
            check(path, h, expectedTokenizerSha256, expectedBlockSize);
            long need = HEADER_BYTES + h.count() * h.blockSize() * 4L;
            if (ch.size() < need) {
                throw new CorruptBlockFileException(
                        path,
                        "truncated, header promises "
                                + h.count()
                                + " blocks ("
                                + need
                                + " bytes) but the file has "
                                + ch.size()
                                + " bytes");
            }
            if (h.count() > Integer.MAX_VALUE) {
                throw new UserInputException(
                        path + ": " + h.count() + " blocks, more than this reader supports");
            }
            int perSegment = Math.max(1, (Integer.MAX_VALUE - 8) / (h.blockSize() * 4));
            List<IntBuffer> segments = new ArrayList<>();
            CRC32C crc = new CRC32C();
            for (long first = 0; first < h.count(); first += perSegment) {
                long n = Math.min(perSegment, h.count() - first);
                long offset = HEADER_BYTES + first * h.blockSize() * 4L;
                java.nio.MappedByteBuffer m =
                        ch.map(FileChannel.MapMode.READ_ONLY, offset, n * h.blockSize() * 4L);
                if (h.payloadCrc32c() != null) {
                    crc.update(m.duplicate());
                }
                segments.add(m.order(ByteOrder.LITTLE_ENDIAN).asIntBuffer());
            }
            if (h.payloadCrc32c() != null && (int) crc.getValue() != h.payloadCrc32c()) {
                throw new CorruptBlockFileException(
                        path,
                        "corrupt (the checksum of its "
                                + h.count()
                                + " blocks does not match: ids changed after they were written);"
                                + " delete it to make it again");
            }
            return new BlockFile(path, h, segments, perSegment);
        } catch (IOException e) {
            throw new UserInputException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** Reads and validates only the header. */
    public static Header readHeader(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return readHeader(path, ch);
        } catch (IOException e) {
            throw new UserInputException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    public Path path() {
        return path;
    }

    public Header header() {
        return header;
    }

    @Override
    public int blockSize() {
        return header.blockSize();
    }

    @Override
    public int count() {
        return (int) header.count();
    }

    @Override
    public void read(int i, int[] dst, int offset) {
        if (i < 0 || i >= count()) {
            throw new IndexOutOfBoundsException("block " + i + " of " + count() + " in " + path);
        }
        IntBuffer seg = segments.get(i / blocksPerSegment);
        seg.get((i % blocksPerSegment) * blockSize(), dst, offset, blockSize());
    }

    /**
     * Mapped buffers are released by the garbage collector; nothing to do, kept for
     * try-with-resources.
     */
    @Override
    public void close() {}

    // ---------------------------------------------------------------------------------------------

    static void check(Path path, Header h, String expectedSha, int expectedBlockSize) {
        if (expectedSha != null && !expectedSha.equalsIgnoreCase(h.tokenizerSha256())) {
            throw new UserInputException(
                    path
                            + ": made with tokenizer sha256 "
                            + h.tokenizerSha256()
                            + ", but the tokenizer in use has "
                            + expectedSha.toLowerCase(java.util.Locale.ROOT)
                            + " (stale file from another tokenizer?)");
        }
        if (expectedBlockSize > 0 && expectedBlockSize != h.blockSize()) {
            throw new UserInputException(
                    path + ": block size " + h.blockSize() + ", expected " + expectedBlockSize);
        }
    }

    static Header readHeader(Path path, FileChannel ch) throws IOException {
        if (ch.size() < HEADER_BYTES) {
            throw new CorruptBlockFileException(
                    path, "not a token-block file (shorter than its 64-byte header)");
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, b.position()) < 0) {
                throw new CorruptBlockFileException(path, "truncated header");
            }
        }
        byte[] bytes = b.array();
        if (!Arrays.equals(Arrays.copyOf(bytes, 8), MAGIC)) {
            throw new CorruptBlockFileException(path, "not a token-block file (bad magic)");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, 56);
        if ((int) crc.getValue() != b.getInt(56)) {
            throw new CorruptBlockFileException(path, "corrupt header (CRC mismatch)");
        }
        int version = b.getInt(8);
        if (version != 1 && version != VERSION) {
            throw new UserInputException(
                    path
                            + ": token-block format version "
                            + version
                            + ", this build reads "
                            + VERSION);
        }
        int blockSize = b.getInt(12);
        long count = b.getLong(16);
        if (blockSize < 1 || count < 0) {
            throw new CorruptBlockFileException(
                    path, "corrupt header (block size " + blockSize + ", count " + count + ")");
        }
        return new Header(
                blockSize,
                count,
                HexFormat.of().formatHex(bytes, 24, 56),
                version >= 2 ? b.getInt(60) : null);
    }

    /**
     * The CRC-32C of the first {@code count} blocks of {@code blocks} as a version-2 header holds
     * it (over the little-endian int32 ids).
     */
    public static int payloadCrc32c(BlockSource blocks, int count) {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate(4 * blocks.blockSize()).order(ByteOrder.LITTLE_ENDIAN);
        int[] block = new int[blocks.blockSize()];
        for (int i = 0; i < count; i++) {
            blocks.read(i, block, 0);
            buf.clear();
            buf.asIntBuffer().put(block);
            crc.update(buf);
        }
        return (int) crc.getValue();
    }

    static ByteBuffer header(int blockSize, long count, byte[] sha, int payloadCrc32c) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(VERSION).putInt(blockSize).putLong(count).put(sha);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, 56);
        b.putInt(56, (int) crc.getValue());
        b.putInt(60, payloadCrc32c);
        b.position(0).limit(HEADER_BYTES);
        return b;
    }

    static byte[] shaBytes(String hex) {
        if (hex == null || !hex.matches("[0-9a-fA-F]{64}")) {
            throw new IllegalArgumentException(
                    "tokenizer sha256 must be 64 hex digits, got " + hex);
        }
        return HexFormat.of().parseHex(hex.toLowerCase(java.util.Locale.ROOT));
    }

    static void writeFully(FileChannel out, ByteBuffer b, long position) throws IOException {
        while (b.hasRemaining()) {
            position += out.write(b, position);
        }
    }

    /**
     * Writes blocks {@code [from, to)} of {@code blocks} at {@code position}; returns the position
     * after them.
     */
    static long writeBlocks(
            FileChannel out, BlockSource blocks, int from, int to, long position, CRC32C crc)
            throws IOException {
        int b = blocks.blockSize();
        int perChunk = Math.max(1, (1 << 20) / (4 * b));
        ByteBuffer buf = ByteBuffer.allocate(perChunk * b * 4).order(ByteOrder.LITTLE_ENDIAN);
        int[] block = new int[b];
        for (int i = from; i < to; ) {
            buf.clear();
            int end = Math.min(to, i + perChunk);
            for (; i < end; i++) {
                blocks.read(i, block, 0);
                buf.asIntBuffer().put(block);
                buf.position(buf.position() + 4 * b);
            }
            buf.flip();
            crc.update(buf.duplicate());
            writeFully(out, buf, position);
            position += buf.limit();
        }
        return position;
    }
}
