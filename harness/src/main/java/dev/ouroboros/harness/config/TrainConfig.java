package dev.ouroboros.harness.config;

import dev.ouroboros.harness.train.Optim;
import dev.ouroboros.models.Devices;
import dev.ouroboros.models.Precision;
import dev.ouroboros.models.PrecisionChoice;
import dev.ouroboros.models.UserInputException;
import java.nio.file.Path;
import java.util.List;

/**
 * The validated configuration of one training run ({@code ouro train}): the shared {@link Training}
 * sections and {@link ModelConfig}, plus the seed, where the weights start and the two text files.
 *
 * <p>Loading: the defaults ({@link #DEFAULTS}: every accepted key) ← the user's YAML ← dotted
 * overrides {@code a.b=value} (the value parsed as YAML). A key that is not in the defaults is a
 * {@link UserInputException} naming the closest known key ("did you mean").
 */
public record TrainConfig(
        long seed,
        String device,
        PrecisionChoice precision,
        String out,
        Init init,
        ModelConfig model,
        Data data,
        Optim optim,
        Schedule schedule,
        TrainSection train,
        CheckpointPolicy checkpoint,
        LogSettings log) {

    /** The shared training defaults, then this command's own keys. */
    public static final List<String> DEFAULTS =
            List.of(Training.DEFAULTS, "/dev/ouroboros/harness/train/defaults.yaml");

    public record Data(
            String train,
            String validation,
            int blockSize,
            long maxTrainBlocks,
            long maxValidationBlocks) {
        public Data {
            if (train == null || train.isBlank()) {
                throw new UserInputException("config: data.train is required (a UTF-8 text file)");
            }
            if (validation == null || validation.isBlank()) {
                throw new UserInputException(
                        "config: data.validation is required (a UTF-8 text file)");
            }
            Checks.blocks(blockSize, maxTrainBlocks, maxValidationBlocks);
        }
    }

    public TrainConfig {
        Devices.checkSpelling(device);
        if (init == Init.PREVIOUS) {
            throw new UserInputException(
                    "config: init must be scratch or base for ouro train ('previous' is a study's"
                            + " generation-to-generation start)");
        }
        if (init == Init.BASE && !model.hasBase()) {
            throw new UserInputException("config: init is 'base' but model.base is not set");
        }
        if (init == Init.SCRATCH && (model.tokenizer() == null || model.tokenizer().isBlank())) {
            throw new UserInputException(
                    "config: model.tokenizer is required when init is 'scratch'");
        }
        if (init == Init.SCRATCH && data.blockSize() > model.maxPositionEmbeddings()) {
            throw new UserInputException(
                    "config: data.block_size "
                            + data.blockSize()
                            + " exceeds model.max_position_embeddings "
                            + model.maxPositionEmbeddings());
        }
        Training.checkAcrossSections(optim, schedule);
    }

    /** The sections that say how the model trains; the precision must have been resolved. */
    public Training training() {
        return new Training(precision.fixed(), optim, schedule, train, checkpoint, log);
    }

    /**
     * This config with {@code precision} fixed to what {@code auto} resolved to on this machine.
     */
    public TrainConfig withPrecision(Precision resolved) {
        return new TrainConfig(
                seed,
                device,
                PrecisionChoice.of(resolved),
                out,
                init,
                model,
                data,
                optim,
                schedule,
                train,
                checkpoint,
                log);
    }

    /** Loads {@code file} with the given {@code key=value} overrides. */
    public static TrainConfig load(Path file, List<String> overrides) {
        return YamlConfig.load(TrainConfig.class, DEFAULTS, file, overrides);
    }

    /** Parses YAML text; {@code source} names it in errors. */
    public static TrainConfig parse(String yaml, String source, List<String> overrides) {
        return YamlConfig.bind(
                TrainConfig.class, YamlConfig.tree(DEFAULTS, yaml, source, overrides), source);
    }

    /** The resolved configuration as YAML (written beside the run). */
    public String toYaml() {
        return YamlConfig.toYaml(this);
    }
}
