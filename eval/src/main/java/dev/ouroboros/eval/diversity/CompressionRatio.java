package dev.ouroboros.eval.diversity;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Compression ratio (Shaib et al. 2024, "Standardizing the Measurement of Text Diversity"): the
 * UTF-8 size of the texts joined by single spaces over the size of its gzip stream. Higher = more
 * repetitive text (redundancy gzip can exploit); ≈ 1 for text with nothing repeated.
 *
 * <p>The gzip stream is {@code java.util.zip}'s: level 9 (best compression, as Python's {@code
 * gzip.compress} and the authors' {@code diversity} package), a 10-byte header without a file name
 * and an 8-byte trailer.
 */
public final class CompressionRatio {
    /** The deflate level: 9, as Python's {@code gzip.compress}. */
    public static final int LEVEL = Deflater.BEST_COMPRESSION;

    private CompressionRatio() {}

    /**
     * original bytes / gzip bytes of {@code texts} joined by single spaces.
     *
     * @return NaN when the joined text is empty
     */
    public static double of(List<String> texts) {
        byte[] original = String.join(" ", texts).getBytes(StandardCharsets.UTF_8);
        if (original.length == 0) {
            return Double.NaN;
        }
        return original.length / (double) gzipSize(original);
    }

    /** The size of the level-9 gzip stream of {@code bytes}. */
    public static int gzipSize(byte[] bytes) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (OutputStream gz = new Level9Gzip(sink)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: does not happen
        }
        return sink.size();
    }

    private static final class Level9Gzip extends GZIPOutputStream {
        Level9Gzip(OutputStream out) throws IOException {
            super(out);
            def.setLevel(LEVEL);
        }
    }
}
