package dev.ouroboros.eval.report;

import java.util.Arrays;
import java.util.Collection;

/** Histograms with shared log-spaced bin edges, and quantiles, of per-sample perplexities. */
public final class Distribution {
    private Distribution() {}

    /**
     * {@code bins + 1} log-spaced edges from the smallest to the largest value of all {@code
     * groups} (every generation and policy together, so histograms share edges and can be
     * overlaid): e_i = lo·(hi/lo)^(i/bins), lo and hi widened by 1e-9 relatively so the extremes
     * fall inside.
     *
     * @throws IllegalArgumentException if a value is not finite and &gt; 0, or there is none
     */
    public static double[] logEdges(Collection<double[]> groups, int bins) {
        if (bins < 1) {
            throw new IllegalArgumentException("bins must be ≥ 1, got " + bins);
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] g : groups) {
            for (double v : g) {
                if (!(v > 0) || !Double.isFinite(v)) {
                    throw new IllegalArgumentException(
                            "log-spaced bins need finite values > 0, got " + v);
                }
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (lo == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("no values");
        }
        lo *= 1 - 1e-9;
        hi *= 1 + 1e-9;
        if (hi / lo < 1 + 1e-6) { // all equal: one decade around the value
            lo /= Math.sqrt(10);
            hi *= Math.sqrt(10);
        }
        double[] e = new double[bins + 1];
        double ratio = Math.log(hi / lo);
        for (int i = 0; i <= bins; i++) {
            e[i] = lo * Math.exp(ratio * i / bins);
        }
        e[0] = lo;
        e[bins] = hi;
        return e;
    }

    /**
     * Counts per bin [e_i, e_{i+1}) (the last bin closed). Values outside the edges are not
     * counted.
     */
    public static long[] histogram(double[] values, double[] edges) {
        long[] c = new long[edges.length - 1];
        for (double v : values) {
            int i = Arrays.binarySearch(edges, v);
            int bin = i >= 0 ? i : -i - 2; // index of the edge ≤ v
            if (bin == edges.length - 1 && v == edges[edges.length - 1]) {
                bin--;
            }
            if (bin >= 0 && bin < c.length) {
                c[bin]++;
            }
        }
        return c;
    }

    /**
     * The p-quantile with linear interpolation between order statistics (Hyndman &amp; Fan type 7,
     * numpy's default): sort x; h = (n − 1)·p; q = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋]).
     *
     * @return NaN for no values
     */
    public static double quantile(double[] values, double p) {
        if (p < 0 || p > 1) {
            throw new IllegalArgumentException("p must be in [0, 1], got " + p);
        }
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] x = values.clone();
        Arrays.sort(x);
        double h = (x.length - 1) * p;
        int lo = (int) Math.floor(h);
        if (lo >= x.length - 1) {
            return x[x.length - 1];
        }
        return x[lo] + (h - lo) * (x[lo + 1] - x[lo]);
    }
}
