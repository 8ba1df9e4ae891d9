package dev.ouroboros.harness.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;

/**
 * The blocks of one optimizer step packed for a single host → device copy: {@code [ids | targets |
 * valid | predictions]} as one int64 vector, R rows of B tokens each part, cut into the
 * micro-batches' {@code (b, B)} views on the device (views copy nothing and upload nothing). Row r
 * predicts {@code ids[r][1..B)}: {@code targets[r][t] = ids[r][t+1]}, {@code valid[r][t] = 1} for
 * {@code t < B−1}, and the last position {@code target 0, valid 0} (what {@link
 * dev.ouroboros.models.TokenNll#shiftedTargets} marks as ignored). The last element is the number
 * of predictions in the whole step, the loss's divisor.
 */
final class StepBatch {
    private final long[] flat;
    private final int[] firstRow; // micro-batch i holds rows [firstRow[i], firstRow[i + 1])
    private final int rows;
    private final int len;

    private StepBatch(long[] flat, int[] firstRow, int rows, int len) {
        this.flat = flat;
        this.firstRow = firstRow;
        this.rows = rows;
        this.len = len;
    }

    static StepBatch of(List<long[][]> microBatches) {
        int rows = 0;
        for (long[][] mb : microBatches) {
            rows += mb.length;
        }
        int len = microBatches.get(0)[0].length;
        long[] flat = new long[3 * rows * len + 1];
        int[] first = new int[microBatches.size() + 1];
        int r = 0;
        for (int i = 0; i < microBatches.size(); i++) {
            first[i] = r;
            for (long[] row : microBatches.get(i)) {
                if (row.length != len) {
                    throw new IllegalArgumentException(
                            "rows of one step must have the same length: "
                                    + row.length
                                    + " vs "
                                    + len);
                }
                int at = r * len;
                System.arraycopy(row, 0, flat, at, len); // ids
                System.arraycopy(row, 1, flat, rows * len + at, len - 1); // targets, last = 0
                for (int t = 0; t < len - 1; t++) {
                    flat[2 * rows * len + at + t] = 1; // valid, last = 0
                }
                r++;
            }
        }
        first[microBatches.size()] = rows;
        flat[flat.length - 1] = predictions(rows, len);
        return new StepBatch(flat, first, rows, len);
    }

    private static long predictions(int rows, int len) {
        return (long) rows * (len - 1);
    }

    long[] flat() {
        return flat;
    }

    long predictions() {
        return predictions(rows, len);
    }

    NDArray ids(NDArray all, int mb) {
        return part(all, 0, mb);
    }

    NDArray targets(NDArray all, int mb) {
        return part(all, 1, mb);
    }

    NDArray valid(NDArray all, int mb) {
        return part(all, 2, mb);
    }

    /**
     * {@code (b, B)} view of part {@code p} (0 ids, 1 targets, 2 valid) of micro-batch {@code mb}.
     */
    private NDArray part(NDArray all, int p, int mb) {
        long from = ((long) p * rows + firstRow[mb]) * len;
        long to = ((long) p * rows + firstRow[mb + 1]) * len;
        return all.get(new NDIndex("{}:{}", from, to))
                .reshape(firstRow[mb + 1] - firstRow[mb], len);
    }
}
