package dev.ouroboros.harness.config;

import dev.ouroboros.models.UserInputException;

/**
 * The {@code train} section: how long, and in what batches.
 *
 * @param batchSize blocks per optimizer step
 * @param microBatchSize blocks per forward/backward; {@code batchSize} is a multiple of it
 * @param maxSteps 0 = epochs × steps per epoch
 * @param evalBatchSize blocks per forward of the per-epoch validation
 * @param shuffle each epoch visits the blocks in a seeded permutation ({@link
 *     dev.ouroboros.harness.train.Trainer#epochOrder}); false: in file order every epoch
 * @param writeOrder write each epoch's block order to {@code order.jsonl} beside {@code
 *     train.jsonl}
 */
public record TrainSection(
        int epochs,
        int batchSize,
        int microBatchSize,
        long maxSteps,
        int evalBatchSize,
        boolean shuffle,
        boolean writeOrder) {

    public TrainSection {
        Checks.positive("train.epochs", epochs);
        Checks.positive("train.batch_size", batchSize);
        Checks.positive("train.micro_batch_size", microBatchSize);
        Checks.positive("train.eval_batch_size", evalBatchSize);
        Checks.nonNegative("train.max_steps", maxSteps);
        if (batchSize % microBatchSize != 0) {
            throw new UserInputException(
                    "config: train.batch_size "
                            + batchSize
                            + " is not a multiple of train.micro_batch_size "
                            + microBatchSize);
        }
    }

    /** Gradient-accumulation steps: micro-batches per optimizer step. */
    public int accumulation() {
        return batchSize / microBatchSize;
    }

    /**
     * Optimizer steps per epoch over {@code blocks} training blocks (the last batch may be short).
     */
    public int stepsPerEpoch(int blocks) {
        return (blocks + batchSize - 1) / batchSize;
    }

    /** Optimizer steps of the whole run over {@code blocks} training blocks. */
    public long totalSteps(int blocks) {
        long all = (long) epochs * stepsPerEpoch(blocks);
        return maxSteps > 0 ? Math.min(all, maxSteps) : all;
    }
}
