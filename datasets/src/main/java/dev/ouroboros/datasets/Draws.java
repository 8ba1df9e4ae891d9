package dev.ouroboros.datasets;

import java.util.Arrays;
import java.util.SplittableRandom;

/** The discrete distributions the {@link GroundTruthLanguage} samples from, and how it draws. */
final class Draws {
    private Draws() {}

    static double[] zipf(int n, double s) {
        double[] w = new double[n];
        for (int r = 0; r < n; r++) {
            w[r] = Math.pow(r + 1, -s);
        }
        return w;
    }

    static double[] normalize(double[] w) {
        double sum = 0;
        for (double x : w) {
            sum += x;
        }
        double[] out = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = w[i] / sum;
        }
        return out;
    }

    static double[] cumulative(double[] p) {
        double[] c = new double[p.length];
        double acc = 0;
        for (int i = 0; i < p.length; i++) {
            acc += p[i];
            c[i] = acc;
        }
        c[c.length - 1] = Double.POSITIVE_INFINITY; // rounding can never fall off the end
        return c;
    }

    /** Index {@code i} with {@code cdf[i-1] <= u < cdf[i]} for a uniform {@code u} in [0, 1). */
    static int draw(double[] cdf, SplittableRandom random) {
        double u = random.nextDouble();
        int i = Arrays.binarySearch(cdf, u);
        return i >= 0 ? i + 1 : -i - 1;
    }

    static int[] permutation(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }
}
