package dev.ouroboros.harness.train;

import ai.djl.Device;
import dev.ouroboros.datasets.BlockSource;
import dev.ouroboros.models.Precision;
import dev.ouroboros.models.UserInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a training run refuses or warns about before it starts: the data and the precision. */
final class TrainChecks {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private TrainChecks() {}

    /**
     * The training precision. fp16/bf16 (half-precision matmuls over fp32 masters,
     * docs/training.md) are meant for CUDA; they also run on CPU (which is how the test suite
     * covers them), where fp16 is very slow — 40× fp32 for the OPT-125m shape on the development
     * machine (docs/benchmarks.md) — so a warning says so.
     */
    static Precision precision(Precision p, Device device) {
        if (p == Precision.FP16 && !device.isGpu()) {
            LOG.warn(
                    "precision fp16 on the CPU: libtorch's CPU fp16 kernels are very slow (~40x"
                            + " fp32 measured); use fp32 or bf16");
        }
        return p;
    }

    /** Training and validation blocks that can be trained on by a model of {@code maxPositions}. */
    static void data(BlockSource train, BlockSource validation, int maxPositions) {
        if (train.count() == 0) {
            throw new UserInputException(
                    "data.train: no training blocks (text too short for one block of "
                            + train.blockSize()
                            + ")");
        }
        if (validation.count() == 0) {
            throw new UserInputException("data.validation: no validation blocks");
        }
        if (train.blockSize() < 2 || validation.blockSize() < 2) {
            throw new UserInputException(
                    "data.block_size "
                            + Math.min(train.blockSize(), validation.blockSize())
                            + ": training needs blocks of at least 2 tokens (a block of one has no"
                            + " next token to predict)");
        }
        if (train.blockSize() > maxPositions) {
            throw new UserInputException(
                    "data.block_size "
                            + train.blockSize()
                            + " exceeds the model's max_position_embeddings "
                            + maxPositions);
        }
    }
}
