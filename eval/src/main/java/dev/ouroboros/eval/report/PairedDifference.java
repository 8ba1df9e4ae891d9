package dev.ouroboros.eval.report;

import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One policy against the baseline at one (generation, split, metric), paired by seed: d_s = policy
 * − baseline on every seed s both have — for perplexities ({@link Summary#logScale}) d_s = ln
 * policy − ln baseline, the difference of mean NLLs, reported back-transformed as the ratio policy
 * / baseline.
 *
 * @param differences seed → d_s (the seeds both policies have), on the log scale when {@code ratio}
 * @param ratio whether d is a log ratio
 * @param mean d̄
 * @param ciHalf t₀.₉₇₅,ₙ₋₁ · s_d / √n; NaN for n = 1
 * @param p the exact two-sided sign-flip permutation p-value ({@link PairedStats#signFlipP}); NaN
 *     for n = 1
 */
public record PairedDifference(
        String policy,
        String baseline,
        int generation,
        String split,
        String metric,
        SortedMap<Integer, Double> differences,
        boolean ratio,
        double mean,
        double ciHalf,
        double p) {
    public PairedDifference {
        if (differences.isEmpty()) {
            throw new IllegalArgumentException("no paired seeds");
        }
        differences = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(differences));
    }

    /** The statistics of {@code differences} (seed → policy − baseline, or its log ratio). */
    public static PairedDifference of(
            String policy,
            String baseline,
            int generation,
            String split,
            String metric,
            SortedMap<Integer, Double> differences,
            boolean ratio) {
        double[] d = differences.values().stream().mapToDouble(Double::doubleValue).toArray();
        return new PairedDifference(
                policy,
                baseline,
                generation,
                split,
                metric,
                differences,
                ratio,
                PairedStats.mean(d),
                PairedStats.ciHalf95(d),
                PairedStats.signFlipP(d));
    }

    /** The number of paired seeds. */
    public int n() {
        return differences.size();
    }

    /** What is reported: d̄, or the geometric-mean ratio exp(d̄). */
    public double estimate() {
        return ratio ? Math.exp(mean) : mean;
    }

    /** The lower end of the 95% interval of {@link #estimate} (NaN for n = 1). */
    public double ciLo() {
        return ratio ? Math.exp(mean - ciHalf) : mean - ciHalf;
    }

    /** The upper end of the 95% interval of {@link #estimate} (NaN for n = 1). */
    public double ciHi() {
        return ratio ? Math.exp(mean + ciHalf) : mean + ciHalf;
    }

    /** {@code 95% CI} as {@code [lo, hi]}, or {@code n/a} for n = 1. */
    public String ciText() {
        return n() > 1 ? "[" + Summary.fmt(ciLo()) + ", " + Summary.fmt(ciHi()) + "]" : "n/a";
    }

    /** The p-value with four significant digits, or {@code n/a}. */
    public String pText() {
        return Double.isFinite(p) ? Summary.fmt(p) : "n/a";
    }

    /** The estimate, {@code ×1.46} for a ratio. */
    public String estimateText() {
        return (ratio ? "×" : "") + Summary.fmt(estimate());
    }

    /** {@code d̄ [lo, hi] p=… (n=k)}, or {@code d̄ (n=1)}: one table cell. */
    public String text() {
        return n() > 1
                ? estimateText() + " " + ciText() + " p=" + pText() + " (n=" + n() + ")"
                : estimateText() + " (n=1)";
    }
}
