package dev.ouroboros.harness.policy;

import java.util.List;

/**
 * What a mixing policy may draw from when building the training set of generation t ≥ 1.
 *
 * @param real indices of D0, the real training items (N = {@code real.length})
 * @param freshReal indices of real items never used for training, in a fixed order (for {@code
 *     fresh-real}; may be empty for policies that do not need it)
 * @param synthetic {@code synthetic.get(s - 1)} holds the eligible indices of S_s, s = 1..t (after
 *     curation, if any)
 */
public record Pools(int[] real, int[] freshReal, List<int[]> synthetic) {
    public Pools {
        synthetic = List.copyOf(synthetic);
    }

    /** The generation being built: t = number of synthetic sets available. */
    public int generation() {
        return synthetic.size();
    }

    /** N, the size of D0; every policy's nominal training-set size. */
    public int n() {
        return real.length;
    }

    public int[] synthetic(int s) {
        return synthetic.get(s - 1);
    }

    /** All-index pools: D0 = 0..n-1, S_s = 0..sizes[s-1]-1, fresh real = n..n+fresh-1. */
    public static Pools full(int n, int fresh, int... syntheticSizes) {
        List<int[]> s = new java.util.ArrayList<>();
        for (int size : syntheticSizes) {
            s.add(range(0, size));
        }
        return new Pools(range(0, n), range(n, n + fresh), s);
    }

    static int[] range(int from, int to) {
        int[] out = new int[to - from];
        for (int i = 0; i < out.length; i++) {
            out[i] = from + i;
        }
        return out;
    }
}
