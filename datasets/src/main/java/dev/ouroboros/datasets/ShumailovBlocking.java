package dev.ouroboros.datasets;

import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Shumailov blocking (docs/design.md#shumailov-blocking): each raw line (split on "\n", the newline
 * kept, empty lines included) is tokenized alone with BOS first; the id lists are concatenated, the
 * remainder dropped, and the stream cut into blocks of B.
 */
public final class ShumailovBlocking {
    private ShumailovBlocking() {}

    /**
     * "a\nb\n\nc" → ["a\n", "b\n", "\n", "c"]; a trailing piece after the last newline is kept if
     * non-empty.
     */
    public static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                out.add(text.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < text.length()) {
            out.add(text.substring(start));
        }
        return out;
    }

    public static TokenBlocks blocks(String text, OptTokenizer tokenizer, int blockSize) {
        return blocks(lines(text), tokenizer, blockSize);
    }

    /**
     * Blocks of {@code lines}, each tokenized alone with BOS first. Lines are encoded in parallel
     * chunks (the Rust tokenizer behind {@link OptTokenizer} is safe to share between threads) and
     * concatenated in order, so the result is the same as a sequential loop.
     */
    public static TokenBlocks blocks(List<String> lines, OptTokenizer tokenizer, int blockSize) {
        int chunks = (lines.size() + CHUNK - 1) / CHUNK;
        int[][] encoded = new int[chunks][];
        java.util.stream.IntStream.range(0, chunks)
                .parallel()
                .forEach(
                        c -> {
                            IntBuffer part = new IntBuffer();
                            for (String line :
                                    lines.subList(
                                            c * CHUNK, Math.min(lines.size(), (c + 1) * CHUNK))) {
                                for (long id : LongLines.encode(tokenizer, line)) {
                                    part.add(Math.toIntExact(id));
                                }
                            }
                            encoded[c] = part.prefix(part.size());
                        });
        IntBuffer stream = new IntBuffer();
        for (int[] part : encoded) {
            stream.addAll(part);
        }
        int usable = stream.size() - stream.size() % blockSize;
        return new TokenBlocks(blockSize, stream.prefix(usable));
    }

    private static final int CHUNK = 1024;

    /** A growable int array (no boxing for corpora of millions of tokens). */
    private static final class IntBuffer {
        private int[] data = new int[1 << 16];
        private int size;

        void add(int v) {
            if (size == data.length) {
                data = java.util.Arrays.copyOf(data, data.length * 2);
            }
            data[size++] = v;
        }

        void addAll(int[] values) {
            while (size + values.length > data.length) {
                data = java.util.Arrays.copyOf(data, data.length * 2);
            }
            System.arraycopy(values, 0, data, size, values.length);
            size += values.length;
        }

        int size() {
            return size;
        }

        int[] prefix(int n) {
            return java.util.Arrays.copyOf(data, n);
        }
    }
}
