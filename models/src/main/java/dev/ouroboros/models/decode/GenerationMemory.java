package dev.ouroboros.models.decode;

import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.Precision;

/**
 * What one prompt of a {@link Generator} batch holds on the device at its peak, and the batch that
 * fits a budget of free memory ({@code generate.batch_size: auto} on a GPU).
 *
 * <p>Per prompt with {@code r} rows (beams), prompt length {@code W}, capacity {@code C = W + new},
 * decoding in a type of {@code e} bytes ({@link Generator#precision}; the fused step,
 * docs/design.md#fused-decoding-step):
 *
 * <ul>
 *   <li>the KV cache, {@code 2 · layers · r · hidden · C} values of e bytes: one buffer, reordered
 *       in place;
 *   <li>the reordering's temporary: one layer's k or v rows, {@code r · hidden · C} values;
 *   <li>the token rows and the attention mask, {@code 2 · r · C} int64;
 *   <li>the prefill's widest activations (one row per prompt): {@code 2 · W · ffn + 4 · W · hidden}
 *       values (fc1's output and its ReLU; q, k, v and the residual);
 *   <li>the prefill's last-position logits, {@code V} values and their fp32 copy;
 *   <li>a step's scores {@code (r, V)}: the logits in e bytes, then four fp32 arrays at once (cast,
 *       log-softmax, penalty scatter, plus the running scores).
 * </ul>
 *
 * <p>Besides, once per call ({@link #fixedBytes}), a half-precision copy of the weights. An
 * estimate, not a measurement: {@link #batchFor} leaves a fraction of the free memory unused. Auto
 * batch sizes apply on a GPU only (the CPU's is fixed), so no CPU result depends on it.
 */
public final class GenerationMemory {
    /** Of the free memory, the part {@link #batchFor} plans to use. */
    public static final double USABLE = 0.7;

    private GenerationMemory() {}

    /** Device bytes one prompt needs at the peak of a {@code generate} call in {@code p}. */
    public static long bytesPerPrompt(
            OptConfig c, int rows, int promptLen, int newTokens, Precision p) {
        long e = p.isHalf() ? 2 : 4;
        long capacity = (long) promptLen + newTokens;
        long hc = (long) c.hiddenSize() * capacity;
        long cache = e * (2L * c.numHiddenLayers() * rows * hc + rows * hc);
        long tokens = 8L * 2 * rows * capacity;
        long prefill =
                e * (2L * promptLen * c.ffnDim() + 4L * promptLen * c.hiddenSize())
                        + (e + 4) * c.vocabSize();
        long scores = (e + 16) * rows * (long) c.vocabSize();
        return cache + tokens + prefill + scores;
    }

    /**
     * Device bytes a {@code generate} call in {@code p} holds once: the half copy of the weights.
     */
    public static long fixedBytes(long parameters, Precision p) {
        return p.isHalf() ? 2 * parameters : 0;
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
