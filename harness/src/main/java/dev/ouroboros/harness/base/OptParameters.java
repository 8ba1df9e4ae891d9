package dev.ouroboros.harness.base;

import dev.ouroboros.models.OptConfig;

/**
 * The one parameter count of an OPT shape, for what needs it before a model exists (the disk
 * estimate, MFU): as {@code LanguageModel.parameterCount} counts a built model (tested against it).
 */
public final class OptParameters {
    private OptParameters() {}

    /**
     * Embeddings (positions offset by 2), the optional in/out projections, per layer q/k/v/out
     * projections, fc1, fc2 and two LayerNorms, the final LayerNorm, and an LM head only when it is
     * not tied.
     */
    public static long count(OptConfig c) {
        long h = c.hiddenSize();
        long f = c.ffnDim();
        long bias = c.enableBias() ? 1 : 0;
        long ln = c.layerNormElementwiseAffine() ? 2 * h : 0;
        long n = (long) c.vocabSize() * c.wordEmbedProjDim();
        n += (c.maxPositionEmbeddings() + (long) OptConfig.POSITION_OFFSET) * h;
        if (c.hasProjection()) {
            n += 2L * h * c.wordEmbedProjDim();
        }
        long layer = 4 * (h * h + bias * h) + (h * f + bias * f) + (f * h + bias * h) + 2 * ln;
        n += c.numHiddenLayers() * layer;
        if (c.hasFinalLayerNorm()) {
            n += ln;
        }
        if (!c.tieWordEmbeddings()) {
            n += (long) c.vocabSize() * c.wordEmbedProjDim();
        }
        return n;
    }
}
