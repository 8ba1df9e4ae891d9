package dev.ouroboros.harness.run;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Which blocks of a split a capped study uses ({@code data.subset}): the first {@code n}, or a
 * seeded random sample without replacement kept in ascending order (reading stays sequential). The
 * seed is the study's data seed ({@link Seeds#subset}), so every policy and seed of a study sees
 * the same blocks.
 */
public final class Subsets {
    private Subsets() {}

    /** The split a sample is drawn for: its stream of {@link Seeds#subset}. */
    public enum Split {
        TRAIN,
        VALIDATION,
        TEST,
        PROMPTS
    }

    /** {@code 0..min(n, count)-1}. */
    public static int[] first(int count, int n) {
        return IntStream.range(0, Math.max(0, Math.min(n, count))).toArray();
    }

    /**
     * {@code min(n, count)} distinct indices of {@code 0..count-1}, ascending, drawn by {@code
     * seed}.
     */
    public static int[] random(int count, int n, long seed) {
        int k = Math.max(0, Math.min(n, count));
        if (k == count) {
            return first(count, k);
        }
        int[] a = IntStream.range(0, count).toArray();
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < k; i++) { // partial Fisher-Yates
            int j = i + r.nextInt(count - i);
            int x = a[i];
            a[i] = a[j];
            a[j] = x;
        }
        int[] out = Arrays.copyOf(a, k);
        Arrays.sort(out);
        return out;
    }

    /**
     * {@code min(n, count)} block indices drawn as whole pairs {@code (2j, 2j + 1)}: ⌈n/2⌉ of the
     * ⌊count/2⌋ pairs, ascending, the last block dropped when {@code n} is odd. Test blocks are
     * taken this way so that a prompt (an even position) is still followed by its real reference.
     */
    public static int[] randomPairs(int count, int n, long seed) {
        int k = Math.max(0, Math.min(n, count));
        if (k == count) {
            return first(count, k);
        }
        int[] pairs = random(count / 2, (k + 1) / 2, seed);
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = 2 * pairs[i / 2] + i % 2;
        }
        return out;
    }

    /**
     * SHA-256 of the indices as int32 little-endian, as 16 hex digits (what the manifest keeps).
     */
    public static String hash(int[] indices) {
        ByteBuffer b = ByteBuffer.allocate(4 * indices.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i : indices) {
            b.putInt(i);
        }
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()))
                    .substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
