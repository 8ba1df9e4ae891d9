package dev.ouroboros.models.decode;

import dev.ouroboros.models.OptConfig;

/**
 * What one prompt of a {@link Generator} batch holds on the device at its peak, and the batch that
 * fits a budget of free memory ({@code generate.batch_size: auto} on a GPU).
 *
 * <p>Per prompt with {@code r} rows (beams), prompt length {@code W}, capacity {@code C = W + new},
 * all fp32 (the cache is fp32 whatever the autocast):
 *
 * <ul>
 *   <li>the KV cache, {@code 2 · layers · r · hidden · C} values, twice (beam reordering writes
 *       into a second buffer);
 *   <li>the prefill's logits {@code (W, V)} and their last-position copy, twice for the cast;
 *   <li>the prefill's widest activation, {@code W · ffn}, three at once;
 *   <li>a step's scores {@code (r, V)}, eight at once (cast, log-softmax, penalty gather and
 *       scatter, running scores, top-k).
 * </ul>
 *
 * An estimate, not a measurement: {@link #batchFor} leaves a fraction of the free memory unused.
 *
 * <p>Since the cache is reordered in place (one buffer) and the prefill computes the last
 * position's logits only (docs/design.md#kv-cache), the first two terms count about twice what beam
 * search holds: the estimate is conservative. It is kept as it was so that {@code
 * generate.batch_size: auto} picks the batch sizes it picked before (another batch size rounds the
 * batched GEMMs differently and can change the synthetic text).
 */
public final class GenerationMemory {
    /** Of the free memory, the part {@link #batchFor} plans to use. */
    public static final double USABLE = 0.7;

    private GenerationMemory() {}

    /** Device bytes one prompt needs at the peak of a {@code generate} call. */
    public static long bytesPerPrompt(OptConfig c, int rows, int promptLen, int newTokens) {
        long capacity = (long) promptLen + newTokens;
        long values =
                2L * 2 * c.numHiddenLayers() * rows * c.hiddenSize() * capacity
                        + 2L * promptLen * c.vocabSize()
                        + 3L * promptLen * c.ffnDim()
                        + 8L * rows * c.vocabSize();
        return 4 * values;
    }

    /**
     * Prompts per batch: as many as {@link #USABLE} of {@code freeBytes} holds, at least 1 and at
     * most {@code max}.
     */
    public static int batchFor(long freeBytes, long perPrompt, int max) {
        long fit = (long) (freeBytes * USABLE) / Math.max(1, perPrompt);
        return (int) Math.max(1, Math.min(max, fit));
    }
}
