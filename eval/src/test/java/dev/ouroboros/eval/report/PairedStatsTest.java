package dev.ouroboros.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PairedStatsTest {
    /**
     * Four pairs, d = (2, 3, −1, 4), worked by hand. d̄ = 8/4 = 2; deviations 0, 1, −3, 2, so s_d²
     * = (0 + 1 + 9 + 4)/3 = 14/3, s_d = 2.16025; t₀.₉₇₅,₃ = 3.18245 (scipy.stats.t.ppf(0.975, 3)),
     * half-width 3.18245 · 2.16025 / √4 = 3.43743, CI [−1.43743, 5.43743].
     *
     * <p>Sign flips: Σ ε_i d_i = 10 − 2·(sum of the |d_i| whose sign is turned against d_i), over
     * the 16 subsets of {2, 3, 1, 4}: subset sums 0, 1, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10
     * give 10, 8, 6, 4, 4, 2, 2, 0, 0, −2, −2, −4, −4, −6, −8, −10. |sum| ≥ |8| (observed; 8 is the
     * sum when the −1 stays −1): 10, 8, −8, −10 → p = 4/16 = 0.25.
     */
    @Test
    void fourPairsByHand() {
        double[] d = {2, 3, -1, 4};
        assertEquals(2.0, PairedStats.mean(d), 1e-12);
        assertEquals(Math.sqrt(14.0 / 3), PairedStats.std(d), 1e-12);
        assertEquals(3.4374348818583087, PairedStats.ciHalf95(d), 1e-9);
        assertEquals(0.25, PairedStats.signFlipP(d), 0);
    }

    /**
     * Three pairs, d = (3, −1, 2): d̄ = 4/3; deviations 5/3, −7/3, 2/3, s_d² = (25 + 49 + 4)/9/2 =
     * 13/3, s_d = 2.08167; t₀.₉₇₅,₂ = 4.30265, half-width 4.30265 · 2.08167/√3 = 5.17115. Sign
     * flips of (3, −1, 2): +++ 4, −++ −2, +−+ 6, ++− 0, −−+ 0, −+− −6, +−− 2, −−− −4; |sum| ≥ 4: 4,
     * 6, −6, −4 → p = 4/8 = 0.5.
     */
    @Test
    void threePairsByHand() {
        double[] d = {3, -1, 2};
        assertEquals(4.0 / 3, PairedStats.mean(d), 1e-12);
        assertEquals(5.171145012542264, PairedStats.ciHalf95(d), 1e-9);
        assertEquals(0.5, PairedStats.signFlipP(d), 0);
    }

    @Test
    void edgeCases() {
        // all of one sign: only the observed assignment and its mirror are as extreme
        assertEquals(2.0 / 8, PairedStats.signFlipP(new double[] {1, 2, 3}), 0);
        // d̄ = 0: every assignment is as extreme
        assertEquals(1.0, PairedStats.signFlipP(new double[] {0, 0, 0}), 0);
        assertEquals(1.0, PairedStats.signFlipP(new double[] {1, -1}), 0);
        // the same differences: s_d = 0, a zero-width interval
        assertEquals(0.0, PairedStats.ciHalf95(new double[] {2, 2, 2}), 0);
        // n = 1: nothing to permute, no interval
        assertTrue(Double.isNaN(PairedStats.signFlipP(new double[] {5})));
        assertTrue(Double.isNaN(PairedStats.ciHalf95(new double[] {5})));
        // 30 pairs (2^30 assignments, counted in halves), all positive: p = 2/2^30
        double[] many = new double[PairedStats.MAX_EXACT];
        java.util.Arrays.fill(many, 0.1);
        assertEquals(2 / Math.pow(2, 30), PairedStats.signFlipP(many), 0);
        assertTrue(Double.isNaN(PairedStats.signFlipP(new double[PairedStats.MAX_EXACT + 1])));
    }

    /**
     * The counted p equals a plain loop over every assignment in exact decimal arithmetic, ties
     * included.
     */
    @Test
    void matchesBruteForceEnumeration() {
        SplittableRandom r = new SplittableRandom(7);
        for (int trial = 0; trial < 300; trial++) {
            int n = 2 + r.nextInt(11);
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
                // small integers make many exact ties; decimals make rounding matter
                d[i] = trial % 2 == 0 ? r.nextInt(-3, 4) : (r.nextInt(-30, 31) / 10.0);
            }
            assertEquals(
                    bruteForce(d), PairedStats.signFlipP(d), 1e-12, java.util.Arrays.toString(d));
        }
    }

    private static double bruteForce(double[] d) {
        java.math.BigDecimal obs = java.math.BigDecimal.ZERO;
        for (double v : d) {
            obs = obs.add(java.math.BigDecimal.valueOf(v));
        }
        obs = obs.abs();
        int count = 0;
        for (int mask = 0; mask < 1 << d.length; mask++) {
            // exact decimal sums: 0.1 + 0.2 − 0.3 is 0 here, as the tolerance makes it in doubles
            java.math.BigDecimal s = java.math.BigDecimal.ZERO;
            for (int i = 0; i < d.length; i++) {
                java.math.BigDecimal v = java.math.BigDecimal.valueOf(d[i]);
                s = (mask >> i & 1) == 1 ? s.subtract(v) : s.add(v);
            }
            if (s.abs().compareTo(obs) >= 0) {
                count++;
            }
        }
        return count / Math.pow(2, d.length);
    }
}
