package dev.ouroboros.eval;

/**
 * Result of the {@code blocks} protocol (docs/design.md#perplexity-protocols), comparable with
 * Shumailov et al.'s 34 / 115: over the blocks of a split, {@code ppl = exp(Σ NLL / Σ
 * predictions)}, each block predicting its B−1 next tokens.
 *
 * @param block B
 * @param nBlocks blocks scored
 * @param nPredictions {@code nBlocks × (B − 1)}
 * @param nllSum Σ NLL in nats (raw sum, so results aggregate exactly)
 */
public record BlocksPerplexity(int block, long nBlocks, long nPredictions, double nllSum) {
    public double perplexity() {
        return Math.exp(nllSum / nPredictions);
    }
}
