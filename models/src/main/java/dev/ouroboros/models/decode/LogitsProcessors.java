package dev.ouroboros.models.decode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * HF's logits processors and warpers as DJL ops on {@code (N, V)} float scores. Each returns a new
 * array and leaves its input alone; results live in the manager of {@code scores}.
 */
public final class LogitsProcessors {
    private LogitsProcessors() {}

    /**
     * {@code RepetitionPenaltyLogitsProcessor}: for every token id in {@code seen} (row-wise,
     * duplicates allowed), a negative score is multiplied by {@code penalty} and a non-negative one
     * divided by it.
     *
     * @param scores (N, V)
     * @param seen (N, L) INT64: the whole sequence so far (prompt, including its padding, plus new
     *     tokens)
     */
    public static NDArray repetitionPenalty(NDArray scores, NDArray seen, float penalty) {
        if (penalty == 1f) {
            return scores;
        }
        NDArray g = scores.gather(seen, 1); // (N, L)
        NDArray penalised = NDArrays.where(g.lt(0f), g.mul(penalty), g.div(penalty));
        return scores.scatter(seen, penalised, 1);
    }

    /**
     * {@code MinNewTokensLengthLogitsProcessor}: the EOS score becomes -inf (only call it while too
     * short).
     */
    public static NDArray maskToken(NDArray scores, int token) {
        NDArray out = scores.duplicate();
        out.set(new NDIndex(":, {}", token), Float.NEGATIVE_INFINITY);
        return out;
    }

    /** The scores of ids {@code from} and above become -inf. */
    public static NDArray maskFrom(NDArray scores, int from) {
        NDArray out = scores.duplicate();
        out.set(new NDIndex(":, {}:", from), Float.NEGATIVE_INFINITY);
        return out;
    }

    /** {@code TemperatureLogitsWarper}. */
    public static NDArray temperature(NDArray scores, float t) {
        return t == 1f ? scores : scores.div(t);
    }

    /**
     * {@code TopKLogitsWarper}: scores below the k-th largest become -inf (ties with it are kept).
     */
    public static NDArray topK(NDArray scores, int k) {
        long v = scores.getShape().get(1);
        if (k <= 0 || k >= v) {
            return scores;
        }
        NDArray kth = scores.topK(k, 1, true, true).get(0).get(":, {}:{}", k - 1, k); // (N, 1)
        return fill(scores, scores.lt(kth));
    }

    /**
     * {@code TopPLogitsWarper} with {@code min_tokens_to_keep = minKeep}: sort ascending, drop the
     * tokens whose cumulative probability is {@code <= 1 - p}, never the last {@code minKeep}.
     */
    public static NDArray topP(NDArray scores, float p, int minKeep) {
        if (p >= 1f) {
            return scores;
        }
        long v = scores.getShape().get(1);
        NDArray order = scores.argSort(1, true); // ascending
        NDArray sorted = scores.gather(order, 1);
        NDArray cum = sorted.softmax(1).cumSum(1);
        NDArray removeSorted = cum.lte(1f - p).toType(DataType.INT64, false);
        if (minKeep > 0) {
            removeSorted.set(new NDIndex(":, {}:", Math.max(0, v - minKeep)), 0);
        }
        NDArray remove = removeSorted.zerosLike().scatter(order, removeSorted, 1);
        return fill(scores, remove.gt(0));
    }

    /** {@code scores.masked_fill(mask, -inf)}; {@code mask} broadcast to the scores' shape. */
    static NDArray fill(NDArray scores, NDArray mask) {
        NDManager m = scores.getManager();
        NDArray neg = m.full(scores.getShape(), Float.NEGATIVE_INFINITY, scores.getDataType());
        NDArray cond =
                mask.getShape().equals(scores.getShape())
                        ? mask
                        : mask.broadcast(scores.getShape());
        return NDArrays.where(cond, neg, scores);
    }
}
