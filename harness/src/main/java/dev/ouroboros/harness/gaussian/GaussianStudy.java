package dev.ouroboros.harness.gaussian;

import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.harness.policy.MixingPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;

/**
 * A study of {@code kind: gaussian}: the {@link GaussianTestbed} under every policy and seed, one
 * {@code fit} row per generation (no model, no data, seconds).
 *
 * @param dim d
 * @param mean every coordinate of μ
 * @param sigma σ (Σ = σ² I)
 * @param samples M, the points drawn per generation
 */
public record GaussianStudy(int dim, double mean, double sigma, int samples) {
    /** The split of its metric rows. */
    public static final String SPLIT = "fit";

    /**
     * The rows of generations 0..{@code generations − 1} of every (policy, seed); a seed's draws
     * come from {@code seedOf.applyAsLong(seed)}.
     */
    public List<MetricsRow> rows(
            List<MixingPolicy> policies,
            List<Long> seeds,
            int generations,
            LongUnaryOperator seedOf) {
        double[] mu = new double[dim];
        Arrays.fill(mu, mean);
        List<MetricsRow> rows = new ArrayList<>();
        for (MixingPolicy policy : policies) {
            for (long seed : seeds) {
                List<GaussianTestbed.Fit> fits =
                        GaussianTestbed.run(
                                mu,
                                sigma,
                                samples,
                                generations - 1,
                                policy,
                                seedOf.applyAsLong(seed));
                for (var f : fits) {
                    rows.add(
                            MetricsRow.of(
                                    policy.spec(),
                                    (int) seed,
                                    f.generation(),
                                    SPLIT,
                                    Map.of(
                                            "gauss_mean_sq_error",
                                            f.meanSquaredError(mu),
                                            "gauss_variance",
                                            f.trace() / dim),
                                    Map.of()));
                }
            }
        }
        return rows;
    }
}
