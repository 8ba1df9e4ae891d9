package dev.ouroboros.harness.gaussian;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.gaussian.GaussianTestbed.Fit;
import dev.ouroboros.harness.policy.MixingPolicy;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Gaussian testbed against closed forms, by Monte Carlo over independent seeds. Tolerances are
 * several Monte Carlo standard errors wide, so the tests are deterministic (fixed seeds) and not
 * flaky, yet a wrong estimator (biased variance), a wrong policy or an off-by-one generation fails
 * them.
 */
class GaussianTestbedTest {
    static final double[] MU = {3.0};
    static final double SIGMA = 2.0;

    /** μ_n, the mean of the distribution X_n is drawn from, is the fit of generation n − 1. */
    @Test
    void replaceMeanErrorGrowsLinearlyAsSigmaSquaredNOverM() {
        int m = 100;
        int runs = 2000;
        double[] mse = new double[6];
        double[] varX = new double[6];
        for (int r = 0; r < runs; r++) {
            List<Fit> fits =
                    GaussianTestbed.run(MU, SIGMA, m, 5, MixingPolicy.parse("replace"), 1000 + r);
            for (int n = 1; n <= 5; n++) {
                Fit source = fits.get(n - 1);
                mse[n] += source.meanSquaredError(MU) / runs;
                // Var(X_n) = E[σ̂²_{n−1}] + E[(μ_{n} − μ)²]
                varX[n] += (source.trace() + source.meanSquaredError(MU)) / runs;
            }
        }
        double s2 = SIGMA * SIGMA;
        for (int n = 1; n <= 5; n++) {
            double expected = s2 * n / m;
            // (μ_n − μ)² ~ expected·χ²₁: standard error of the mean = expected·sqrt(2/runs) ≈ 3.2%
            assertEquals(expected, mse[n], 0.12 * expected, "E[(μ_n − μ)²] at n = " + n);
            assertEquals(s2 * (1 + (double) n / m), varX[n], 0.02 * s2, "Var(X_n) at n = " + n);
        }
    }

    @Test
    void accumulateKeepsTheMeanErrorBounded() {
        int m = 100;
        int runs = 300;
        int gens = 40;
        double[] mseReplace = new double[gens + 1];
        double[] mseAccumulate = new double[gens + 1];
        for (int r = 0; r < runs; r++) {
            List<Fit> rep =
                    GaussianTestbed.run(
                            MU, SIGMA, m, gens, MixingPolicy.parse("replace"), 5000 + r);
            List<Fit> acc =
                    GaussianTestbed.run(
                            MU, SIGMA, m, gens, MixingPolicy.parse("accumulate"), 5000 + r);
            for (int n = 0; n <= gens; n++) {
                mseReplace[n] += rep.get(n).meanSquaredError(MU) / runs;
                mseAccumulate[n] += acc.get(n).meanSquaredError(MU) / runs;
            }
        }
        double base = SIGMA * SIGMA / m;
        // accumulate: Σ 1/k² < π²/6, so E[(μ̂_n − μ)²] < (π²/6)·σ²/M for every n
        for (int n = 0; n <= gens; n++) {
            assertTrue(
                    mseAccumulate[n] < 1.2 * Math.PI * Math.PI / 6 * base,
                    "accumulate n=" + n + ": " + mseAccumulate[n] / base);
        }
        // replace: (n + 1)·σ²/M for the fit of generation n
        assertEquals((gens + 1) * base, mseReplace[gens], 0.25 * (gens + 1) * base);
        assertTrue(mseReplace[gens] > 15 * mseAccumulate[gens]);
    }

    @Test
    void replaceVarianceCollapsesWhileAccumulateDoesNot() {
        int m = 10;
        int gens = 400;
        double[] replaceFinal = new double[25];
        double[] accumulateFinal = new double[25];
        for (int r = 0; r < 25; r++) {
            replaceFinal[r] =
                    GaussianTestbed.run(MU, SIGMA, m, gens, MixingPolicy.parse("replace"), 77 + r)
                            .get(gens)
                            .trace();
            accumulateFinal[r] =
                    GaussianTestbed.run(
                                    MU, SIGMA, m, gens, MixingPolicy.parse("accumulate"), 77 + r)
                            .get(gens)
                            .trace();
        }
        Arrays.sort(replaceFinal);
        Arrays.sort(accumulateFinal);
        double s2 = SIGMA * SIGMA;
        assertTrue(
                replaceFinal[12] < 1e-6 * s2,
                "median replace variance after 400 generations: " + replaceFinal[12]);
        assertTrue(
                replaceFinal[24] < 1e-2 * s2,
                "even the largest has collapsed: " + replaceFinal[24]);
        // accumulate: no run collapses, and the typical run stays at the scale of σ² (M = 10 keeps
        // the spread wide)
        assertTrue(
                accumulateFinal[0] > 0.1 * s2,
                "accumulate never collapses: " + Arrays.toString(accumulateFinal));
        assertTrue(
                accumulateFinal[12] > 0.3 * s2 && accumulateFinal[12] < 3 * s2,
                "median: " + accumulateFinal[12]);
    }

    @Test
    void multivariateReplaceFollowsTheSameLaw() {
        double[] mu = {0, 1, -1, 2};
        int m = 200;
        int runs = 800;
        double mse = 0;
        for (int r = 0; r < runs; r++) {
            mse +=
                    GaussianTestbed.run(mu, 1.0, m, 3, MixingPolicy.parse("replace"), 9000 + r)
                                    .get(2)
                                    .meanSquaredError(mu)
                            / runs;
        }
        assertEquals(4 * 3.0 / m, mse, 0.12 * 4 * 3.0 / m, "E‖μ_3 − μ‖² = d·3·σ²/M");
    }

    @Test
    void unbiasedFit() {
        Fit f = GaussianTestbed.fit(0, new double[][] {{1}, {2}, {3}, {4}});
        assertEquals(2.5, f.mean()[0], 1e-12);
        assertEquals(5.0 / 3.0, f.covariance()[0][0], 1e-12);
    }
}
