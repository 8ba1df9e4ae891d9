package dev.ouroboros.eval.report;

/**
 * A seed that one side of a comparison has at (generation, split, metric) and the other lacks: it
 * is left out of the paired differences, and compare.md and index.html say so.
 *
 * @param presentIn the side that has the seed: {@code policy} or {@code baseline}
 */
public record UnpairedSeed(
        String policy,
        String baseline,
        int generation,
        String split,
        String metric,
        int seed,
        String presentIn) {}
