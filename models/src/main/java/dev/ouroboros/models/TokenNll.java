package dev.ouroboros.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Next-token negative log-likelihood, written by hand because DJL's softmax cross-entropy cannot
 * take (B, T, V) logits with (B, T) labels nor ignore positions (docs/design.md#lm-loss).
 * Differentiable.
 */
public final class TokenNll {
    /** Target id marking a position that predicts nothing. */
    public static final int IGNORE = -1;

    private TokenNll() {}

    /**
     * Per-position NLL.
     *
     * @param logits {@code (B, T, V)}; position t predicts {@code targets[:, t]}
     * @param targets {@code (B, T)} INT64 ids, {@link #IGNORE} where nothing is predicted
     * @return {@code (B, T)} NLL in nats, 0 at ignored positions
     */
    public static NDArray perPosition(NDArray logits, NDArray targets) {
        NDArray valid = targets.gte(0); // (B, T) bool
        NDArray safe = targets.maximum(0L); // ignored → 0 for gather
        return perPosition(logits, safe, valid);
    }

    /**
     * Per-position NLL from targets already made safe for {@code gather} and a 0/1 mask, so the
     * caller can bring both to the device with its ids in one copy (training: no scalar operand,
     * hence no hidden host → device copy, per micro-batch).
     *
     * @param logits {@code (B, T, V)}
     * @param safe {@code (B, T)} INT64 ids in {@code [0, V)} (anything where {@code valid} is 0)
     * @param valid {@code (B, T)} 1 where a position predicts, 0 elsewhere (bool or integer)
     * @return {@code (B, T)} NLL in nats, 0 where {@code valid} is 0
     */
    public static NDArray perPosition(NDArray logits, NDArray safe, NDArray valid) {
        NDArray logp = logits.toType(DataType.FLOAT32, false).logSoftmax(-1); // (B, T, V)
        NDArray picked = logp.gather(safe.expandDims(-1), -1).squeeze(-1); // (B, T)
        return picked.neg().mul(valid.toType(DataType.FLOAT32, false));
    }

    /**
     * {@code targets[b][t] = ids[b][t + 1]}, the last position {@link #IGNORE}: a block predicting
     * its B−1 next tokens.
     */
    public static long[][] shiftedTargets(long[][] ids) {
        long[][] out = new long[ids.length][];
        for (int b = 0; b < ids.length; b++) {
            long[] row = new long[ids[b].length];
            System.arraycopy(ids[b], 1, row, 0, row.length - 1);
            row[row.length - 1] = IGNORE;
            out[b] = row;
        }
        return out;
    }
}
