package dev.ouroboros.harness.gaussian;

import dev.ouroboros.harness.policy.MixingPolicy;
import dev.ouroboros.harness.policy.Pick;
import dev.ouroboros.harness.policy.Pools;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * Model collapse in closed form: the "model" is a d-dimensional Gaussian fitted by sample mean and
 * unbiased covariance; each generation samples M points from the previous fit, and the same {@link
 * MixingPolicy} code that drives the language-model runs decides what the next fit sees.
 *
 * <p>Notation: X_0 = D0 is M draws from N(μ, Σ); the model of generation t is fitted to the
 * policy's training set; X_{t+1} = S_{t+1} is M draws from it. Under {@code replace} with the
 * unbiased estimator, the distribution X_n is drawn from has mean μ_n with E‖μ_n − μ‖² = n·tr(Σ)/M
 * and Var(X_n) = σ²(1 + n/M) in 1-D, exactly; yet the fitted variance goes to 0 almost surely (log
 * σ̂² is a random walk with negative drift). Under {@code accumulate} the error stays bounded.
 */
public final class GaussianTestbed {
    private GaussianTestbed() {}

    /**
     * One fitted generation.
     *
     * @param generation t
     * @param trainSize points the fit saw
     * @param mean fitted mean (length d)
     * @param covariance fitted unbiased covariance (d × d)
     */
    public record Fit(int generation, int trainSize, double[] mean, double[][] covariance) {
        /** ‖mean − μ‖². */
        public double meanSquaredError(double[] mu) {
            double s = 0;
            for (int i = 0; i < mean.length; i++) {
                s += (mean[i] - mu[i]) * (mean[i] - mu[i]);
            }
            return s;
        }

        /** tr(Σ̂): the fitted variance in 1-D. */
        public double trace() {
            double s = 0;
            for (int i = 0; i < mean.length; i++) {
                s += covariance[i][i];
            }
            return s;
        }
    }

    /**
     * Runs generations 0..{@code generations} and returns every fit.
     *
     * @param mu true mean μ (its length is d)
     * @param sigma true standard deviation (Σ = σ² I)
     * @param m points per data set (M = N)
     */
    public static List<Fit> run(
            double[] mu, double sigma, int m, int generations, MixingPolicy policy, long seed) {
        int d = mu.length;
        RandomGenerator rng = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        double[][] identityScaled = new double[d][d];
        for (int i = 0; i < d; i++) {
            identityScaled[i][i] = sigma * sigma;
        }
        int fresh = policy.freshRealNeeded(m, generations);
        double[][] real =
                sample(mu, identityScaled, m + fresh, rng); // D0, then the unused real pool
        List<double[][]> synthetic = new ArrayList<>(); // S_1..S_t
        List<Fit> fits = new ArrayList<>();
        double[][] train = java.util.Arrays.copyOf(real, m);
        for (int t = 0; t <= generations; t++) {
            if (t > 0) {
                int[] sizes = synthetic.stream().mapToInt(s -> s.length).toArray();
                List<Pick> picks = policy.select(Pools.full(m, fresh, sizes), rng);
                train = new double[picks.size()][];
                for (int i = 0; i < train.length; i++) {
                    Pick p = picks.get(i);
                    train[i] =
                            p.isReal() ? real[p.index()] : synthetic.get(p.source() - 1)[p.index()];
                }
            }
            Fit fit = fit(t, train);
            fits.add(fit);
            if (t < generations) {
                synthetic.add(sample(fit.mean(), fit.covariance(), m, rng));
            }
        }
        return fits;
    }

    /** Sample mean and unbiased (n − 1) covariance. */
    static Fit fit(int generation, double[][] x) {
        int n = x.length;
        int d = x[0].length;
        double[] mean = new double[d];
        for (double[] row : x) {
            for (int i = 0; i < d; i++) {
                mean[i] += row[i] / n;
            }
        }
        double[][] cov = new double[d][d];
        for (double[] row : x) {
            for (int i = 0; i < d; i++) {
                for (int j = 0; j <= i; j++) {
                    cov[i][j] += (row[i] - mean[i]) * (row[j] - mean[j]) / (n - 1);
                }
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                cov[i][j] = cov[j][i];
            }
        }
        return new Fit(generation, n, mean, cov);
    }

    /**
     * {@code count} draws from N(mean, cov) via the Cholesky factor (a degenerate covariance gives
     * the mean).
     */
    static double[][] sample(double[] mean, double[][] cov, int count, RandomGenerator rng) {
        int d = mean.length;
        double[][] l = cholesky(cov);
        double[][] out = new double[count][d];
        double[] z = new double[d];
        for (int k = 0; k < count; k++) {
            for (int i = 0; i < d; i++) {
                z[i] = rng.nextGaussian();
            }
            for (int i = 0; i < d; i++) {
                double v = mean[i];
                for (int j = 0; j <= i; j++) {
                    v += l[i][j] * z[j];
                }
                out[k][i] = v;
            }
        }
        return out;
    }

    private static double[][] cholesky(double[][] cov) {
        int d = cov.length;
        if (d == 1) {
            return new double[][] {{Math.sqrt(Math.max(0, cov[0][0]))}};
        }
        try {
            RealMatrix l =
                    new CholeskyDecomposition(new Array2DRowRealMatrix(cov), 1e-12, 0).getL();
            return l.getData();
        } catch (org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException e) {
            return new double[d][d]; // collapsed to a point
        }
    }
}
