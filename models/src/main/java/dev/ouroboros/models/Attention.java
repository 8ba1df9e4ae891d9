package dev.ouroboros.models;

/**
 * How a decoder layer computes {@code softmax(q kᵀ + mask) v} (docs/design.md#attention). Both give
 * the same values up to float rounding ({@code AttentionParityTest}: logits and gradients within
 * 1e-6 relative in fp32); the choice is not part of any config hash.
 */
public enum Attention {
    /**
     * libtorch's {@code scaled_dot_product_attention} through the TorchScript helper: flash or
     * memory-efficient kernels on CUDA, a fused kernel on CPU; the probabilities are never
     * materialised for backward. Attention dropout in training falls back to {@link #EAGER}.
     */
    SDPA,
    /** DJL ops: scores, softmax, dropout, matmul (HF's "eager" path): the reference. */
    EAGER;

    private static volatile Attention selected = SDPA;

    /**
     * Makes {@code a} what every model built afterwards in this process uses ({@code
     * model.attention} of a config, {@code --attn} of a command); a model can still be switched
     * with {@link LanguageModel#attention}.
     */
    public static void select(Attention a) {
        selected = a;
    }

    public static Attention selected() {
        return selected;
    }
}
