package dev.ouroboros.eval.semantic;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.ouroboros.models.encoder.SentenceEncoder;
import java.util.List;

/**
 * {@code semantic_cosine/v1}: semantic diversity as Guo et al. (2024, "The Curious Decline of
 * Linguistic Diversity") measure it, the mean pairwise cosine distance of sentence embeddings:
 *
 * <pre>
 *   D = 1/(N(N−1)) Σ_{i≠j} (1 − cos(e_i, e_j)),   e_i = encoder(sentence i)
 * </pre>
 *
 * over a sample of the text's sentences ({@link Sentences}). Everything runs on the encoder's
 * device: the embeddings {@code (N, C)} are normalised, the cosines are one matrix product {@code E
 * Eᵀ (N, N)}, summed in float64; one number comes back to the host.
 */
public final class SemanticCosine {
    /** Sentences embedded per forward. */
    public static final int BATCH = 64;

    private SemanticCosine() {}

    /**
     * {@code D} of {@code sentences} under {@code encoder}; NaN when fewer than 2 sentences (no
     * pair).
     */
    public static double of(SentenceEncoder encoder, List<String> sentences) {
        if (sentences.size() < 2) {
            return Double.NaN;
        }
        try (NDManager m = NDManager.newBaseManager(encoder.device())) {
            return meanPairwiseDistance(encoder.embed(m, sentences, BATCH));
        }
    }

    /**
     * {@code 1 − mean_{i≠j} cos(e_i, e_j)} of the rows of {@code e (N, C)}, N ≥ 2: rows scaled to
     * unit length (a zero row stays zero), {@code S = Ê Êᵀ}, off-diagonal sum {@code ΣS − tr S}.
     */
    public static double meanPairwiseDistance(NDArray e) {
        long n = e.getShape().get(0);
        if (n < 2) {
            throw new IllegalArgumentException("need at least 2 rows, got " + n);
        }
        NDArray norm = e.pow(2).sum(new int[] {1}, true).sqrt().maximum(1e-12f); // (N, 1)
        NDArray unit = e.div(norm); // (N, C)
        NDArray cos = unit.matMul(unit.transpose()).toType(DataType.FLOAT64, false); // (N, N)
        NDArray offDiagonal = cos.sum().sub(cos.diagonal().sum()); // ()
        double meanCos = offDiagonal.getDouble() / ((double) n * (n - 1));
        return 1 - meanCos;
    }
}
