package dev.ouroboros.harness.config;

import dev.ouroboros.models.UserInputException;

/** The range checks config records make in their constructors, each a one-line user error. */
public final class Checks {
    private Checks() {}

    public static void positive(String key, long v) {
        if (v <= 0) {
            throw new UserInputException("config: " + key + " must be positive, got " + v);
        }
    }

    public static void nonNegative(String key, long v) {
        if (v < 0) {
            throw new UserInputException("config: " + key + " must be >= 0, got " + v);
        }
    }

    /** A finite number {@code > 0}. */
    public static void positive(String key, double v) {
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new UserInputException("config: " + key + " must be positive, got " + v);
        }
    }

    /** A finite number {@code >= 0}. */
    public static void nonNegative(String key, double v) {
        if (!(v >= 0) || !Double.isFinite(v)) {
            throw new UserInputException("config: " + key + " must be >= 0, got " + v);
        }
    }

    /**
     * The {@code data} keys {@code ouro run} and {@code ouro train} share: blocks of at least 2
     * tokens, and caps on the train and validation blocks (0: none).
     */
    public static void blocks(int blockSize, long maxTrainBlocks, long maxValidationBlocks) {
        if (blockSize < 2) {
            throw new UserInputException(
                    "config: data.block_size must be at least 2, got " + blockSize);
        }
        nonNegative("data.max_train_blocks", maxTrainBlocks);
        nonNegative("data.max_validation_blocks", maxValidationBlocks);
    }
}
