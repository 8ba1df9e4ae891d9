package dev.ouroboros.harness.run;

/**
 * Derived seeds: one independent stream per (run seed, purpose, index), recorded in the manifest.
 */
public final class Seeds {
    private Seeds() {}

    /** SplitMix64 of the pair: well-separated 64-bit seeds from small integers. */
    public static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Training (init, data order, dropout) of generation {@code t}. */
    public static long train(long seed, int t) {
        return mix(mix(seed, 1), t);
    }

    /** The policy's draw for generation {@code t}. */
    public static long policy(long seed, int t) {
        return mix(mix(seed, 2), t);
    }

    /** Sampling of the synthetic set made by generation {@code t}. */
    public static long synthesis(long seed, int t) {
        return mix(mix(seed, 3), t);
    }

    /**
     * Evaluation sampling (diversity continuations, self-BLEU subsample) of generation {@code t}.
     */
    public static long eval(long seed, int t) {
        return mix(mix(seed, 4), t);
    }

    /**
     * The {@code data.subset: random} sample of a capped split ({@code split}: train 0, validation
     * 1, test 2, diversity prompts 3) from the study's data seed (its first seed): one sample per
     * study, the same for every policy and seed.
     */
    public static long subset(long dataSeed, int split) {
        return mix(mix(dataSeed, 5), split);
    }
}
