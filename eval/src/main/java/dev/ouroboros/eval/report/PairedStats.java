package dev.ouroboros.eval.report;

import java.util.Arrays;

/**
 * Statistics of n paired differences d_1 … d_n (one per seed): the mean, the 95% paired-t interval
 * and the exact two-sided sign-flip permutation p-value.
 */
public final class PairedStats {
    /**
     * The most pairs whose 2ⁿ sign assignments are counted (at most 2¹⁵ partial sums per half);
     * above it the p-value is NaN.
     */
    public static final int MAX_EXACT = 30;

    /**
     * Relative tolerance of "as extreme as observed": |Σ ε_i d_i| ≥ |Σ d_i| − 1e-9 · Σ |d_i|, so
     * assignments tied with the observed one in exact arithmetic are not lost to rounding.
     */
    static final double TIE_TOLERANCE = 1e-9;

    private PairedStats() {}

    /** d̄ (NaN for none). */
    public static double mean(double[] d) {
        double s = 0;
        for (double v : d) {
            s += v;
        }
        return s / d.length;
    }

    /** The sample standard deviation s_d (n − 1 in the denominator; NaN for n &lt; 2). */
    public static double std(double[] d) {
        if (d.length < 2) {
            return Double.NaN;
        }
        double m = mean(d);
        double ss = 0;
        for (double v : d) {
            ss += (v - m) * (v - m);
        }
        return Math.sqrt(ss / (d.length - 1));
    }

    /** Half-width of the 95% paired-t interval, t₀.₉₇₅,ₙ₋₁ · s_d / √n (NaN for n &lt; 2). */
    public static double ciHalf95(double[] d) {
        return d.length < 2
                ? Double.NaN
                : Summary.tQuantile975(d.length - 1) * std(d) / Math.sqrt(d.length);
    }

    /**
     * The exact two-sided sign-flip p-value: the share of the 2ⁿ assignments ε ∈ {−1, +1}ⁿ with
     * |mean(ε_i d_i)| ≥ |d̄|, the observed assignment (all +1) included, so p ≥ 2/2ⁿ when d̄ ≠ 0
     * and p = 1 when d̄ = 0.
     *
     * <p>Every assignment is counted, not sampled: the sums of the first ⌊n/2⌋ signed differences
     * (all 2^⌊n/2⌋ of them) are paired with the sorted sums of the rest, and for each the matching
     * partners are counted by binary search.
     *
     * @return NaN for n &lt; 2 (nothing to permute) or n &gt; {@link #MAX_EXACT}
     */
    public static double signFlipP(double[] d) {
        int n = d.length;
        if (n < 2 || n > MAX_EXACT) {
            return Double.NaN;
        }
        double abs = 0;
        double sum = 0;
        for (double v : d) {
            abs += Math.abs(v);
            sum += v;
        }
        double threshold = Math.abs(sum) - TIE_TOLERANCE * abs;
        if (threshold <= 0) {
            return 1.0; // every assignment is at least as extreme as a zero mean
        }
        int h = n / 2;
        double[] left = signedSums(d, 0, h);
        double[] right = signedSums(d, h, n);
        Arrays.sort(right);
        long count = 0;
        for (double x : left) {
            // x + y ≥ threshold, or x + y ≤ −threshold (disjoint, as threshold > 0)
            count += right.length - lowerBound(right, threshold - x);
            count += upperBound(right, -threshold - x);
        }
        return count / Math.pow(2, n);
    }

    /** Σ ε_i d_i over i in [from, to) for every sign assignment (bit k set: ε_{from+k} = −1). */
    private static double[] signedSums(double[] d, int from, int to) {
        int k = to - from;
        double[] s = new double[1 << k];
        double all = 0;
        for (int i = from; i < to; i++) {
            all += d[i];
        }
        s[0] = all;
        for (int mask = 1; mask < s.length; mask++) {
            int low = Integer.numberOfTrailingZeros(mask);
            s[mask] = s[mask & (mask - 1)] - 2 * d[from + low];
        }
        return s;
    }

    /** The first index with a[i] ≥ v (a.length if none). */
    private static int lowerBound(double[] a, double v) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The first index with a[i] &gt; v (a.length if none). */
    private static int upperBound(double[] a, double v) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] <= v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
