package dev.ouroboros.models;

/**
 * Token ids are stored as {@code int[]} (blocks, BlockFile) but go into the model as INT64, so they
 * are widened on the way in.
 */
public final class TokenIds {
    private TokenIds() {}

    /** {@code a} widened to longs (token ids; also any other int indices bound for INT64). */
    public static long[] toLong(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }
}
