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
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Shumailov-blocked splits cached on disk as {@link BlockFile}s, keyed by (text hash, tokenizer
 * hash, block size): {@code <dir>/shumailov-<text sha256>-<tokenizer sha256 first 16>-b<B>.blocks}.
 * A cached file is trusted only if its header carries the full tokenizer hash and the block size
 * and its checksums hold; otherwise (or if it is unreadable) it is rebuilt.
 *
 * <p>With a {@link ContentCache}, a file missing from {@code dir} is first looked up there, under
 * {@code blocks/<key>.blocks} where the key hashes ({@link #PROTOCOL}, text sha256, full tokenizer
 * sha256, B), tokenized into it on a miss, and then linked or copied into {@code dir}.
 */
public final class BlockCache {
    /** The blocking protocol and its version, part of every shared-cache key. */
    public static final String PROTOCOL = "shumailov/v1";

    private BlockCache() {}

    /** The cached blocks of {@code lines}, computing and writing them (atomically) on a miss. */
    public static BlockFile shumailov(
            Path cacheDir, List<String> lines, OptTokenizer tokenizer, int blockSize) {
        return shumailov(cacheDir, lines, tokenizer, blockSize, ContentCache.off(), "", s -> {});
    }

    /**
     * The blocks of {@code lines} in {@code dir}: reused if there and valid, else taken from {@code
     * shared} (tokenized into it on a miss), else tokenized into {@code dir}. Logs one line: where
     * the {@code label} blocks came from and how long that took.
     */
    public static BlockFile shumailov(
            Path dir,
            List<String> lines,
            OptTokenizer tokenizer,
            int blockSize,
            ContentCache shared,
            String label,
            Consumer<String> log) {
        long t0 = System.nanoTime();
        String linesSha = linesSha256(lines);
        String tokSha = tokenizer.sha256();
        Path file =
                dir.resolve(
                        "shumailov-"
                                + linesSha
                                + "-"
                                + tokSha.substring(0, 16)
                                + "-b"
                                + blockSize
                                + ".blocks");
        if (Files.isRegularFile(file)) {
            try {
                BlockFile f = BlockFile.open(file, tokSha, blockSize);
                log.accept(line(label, "in the run directory", file, t0));
                return f;
            } catch (UserInputException stale) {
                // fall through: rebuild over a file that does not validate
            }
        }
        String key = ContentCache.key(List.of(PROTOCOL, linesSha, tokSha, "b" + blockSize));
        ContentCache.Entry e =
                shared.obtain(
                        "blocks",
                        key + ".blocks",
                        p -> BlockFile.open(p, tokSha, blockSize),
                        p ->
                                BlockFile.write(
                                        p,
                                        ShumailovBlocking.blocks(lines, tokenizer, blockSize),
                                        tokSha),
                        log);
        if (e == null) {
            BlockFile.write(file, ShumailovBlocking.blocks(lines, tokenizer, blockSize), tokSha);
            log.accept(line(label, "tokenized", null, t0));
        } else {
            CachePlacement.place(e.path(), file, Set.of());
            log.accept(
                    line(
                            label,
                            e.produced() ? "tokenized into cache" : "from cache",
                            e.path(),
                            t0));
        }
        return BlockFile.open(file, tokSha, blockSize);
    }

    private static String line(String label, String how, Path where, long t0) {
        double s = (System.nanoTime() - t0) / 1e9;
        return String.format(
                Locale.ROOT,
                "data: %sblocks %s (%s%.2f s)",
                label.isEmpty() ? "" : label + " ",
                how,
                where == null ? "" : where + ", ",
                s);
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
