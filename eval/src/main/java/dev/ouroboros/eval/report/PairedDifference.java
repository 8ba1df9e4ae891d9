package dev.ouroboros.eval.report;

import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One policy against the baseline at one (generation, split, metric), paired by seed: d_s = policy
 * − baseline on every seed s both have.
 *
 * @param differences seed → d_s (the seeds both policies have)
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
        double mean,
        double ciHalf,
        double p) {
    public PairedDifference {
        if (differences.isEmpty()) {
            throw new IllegalArgumentException("no paired seeds");
        }
        differences = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(differences));
    }

    /** The statistics of {@code differences} (seed → policy − baseline). */
    public static PairedDifference of(
            String policy,
            String baseline,
            int generation,
            String split,
            String metric,
            SortedMap<Integer, Double> differences) {
        double[] d = differences.values().stream().mapToDouble(Double::doubleValue).toArray();
        return new PairedDifference(
                policy,
                baseline,
                generation,
                split,
                metric,
                differences,
                PairedStats.mean(d),
                PairedStats.ciHalf95(d),
                PairedStats.signFlipP(d));
    }

    /** The number of paired seeds. */
    public int n() {
        return differences.size();
    }

    /** d̄ − half-width (NaN for n = 1). */
    public double ciLo() {
        return mean - ciHalf;
    }

    /** d̄ + half-width (NaN for n = 1). */
    public double ciHi() {
        return mean + ciHalf;
    }

    /** {@code 95% CI} as {@code [lo, hi]}, or {@code n/a} for n = 1. */
    public String ciText() {
        return n() > 1 ? "[" + Summary.fmt(ciLo()) + ", " + Summary.fmt(ciHi()) + "]" : "n/a";
    }

    /** The p-value with four significant digits, or {@code n/a}. */
    public String pText() {
        return Double.isFinite(p) ? Summary.fmt(p) : "n/a";
    }

    /** {@code d̄ [lo, hi] p=… (n=k)}, or {@code d̄ (n=1)}: one table cell. */
    public String text() {
        return n() > 1
                ? Summary.fmt(mean) + " " + ciText() + " p=" + pText() + " (n=" + n() + ")"
                : Summary.fmt(mean) + " (n=1)";
    }
}
