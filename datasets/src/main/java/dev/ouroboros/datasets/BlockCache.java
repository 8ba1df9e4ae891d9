package dev.ouroboros.datasets;

import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Shumailov-blocked splits cached on disk as {@link BlockFile}s, keyed by (text hash, tokenizer
 * hash, block size): {@code <dir>/shumailov-<text sha256>-<tokenizer sha256 first 16>-b<B>.blocks}.
 * A cached file is trusted only if its header carries the full tokenizer hash and the block size;
 * otherwise (or if it is unreadable) it is rebuilt.
 */
public final class BlockCache {
    private BlockCache() {}

    /** The cached blocks of {@code lines}, computing and writing them (atomically) on a miss. */
    public static BlockFile shumailov(
            Path cacheDir, List<String> lines, OptTokenizer tokenizer, int blockSize) {
        Path file =
                cacheDir.resolve(
                        "shumailov-"
                                + linesSha256(lines)
                                + "-"
                                + tokenizer.sha256().substring(0, 16)
                                + "-b"
                                + blockSize
                                + ".blocks");
        if (Files.isRegularFile(file)) {
            try {
                return BlockFile.open(file, tokenizer.sha256(), blockSize);
            } catch (UserInputException stale) {
                // fall through: rebuild over a file that does not validate
            }
        }
        TokenBlocks blocks = ShumailovBlocking.blocks(lines, tokenizer, blockSize);
        BlockFile.write(file, blocks, tokenizer.sha256());
        return BlockFile.open(file, tokenizer.sha256(), blockSize);
    }

    /**
     * Hex SHA-256 over the lines, each prefixed by its UTF-8 length so that line boundaries count.
     */
    public static String linesSha256(List<String> lines) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] len = new byte[8];
            for (String line : lines) {
                byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
                java.nio.ByteBuffer.wrap(len).putLong(bytes.length);
                md.update(len);
                md.update(bytes);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
