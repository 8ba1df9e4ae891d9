package dev.ouroboros.harness.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.models.Devices;
import dev.ouroboros.models.Precision;
import dev.ouroboros.models.PrecisionChoice;
import dev.ouroboros.models.UserInputException;
import java.nio.file.Path;
import java.util.List;

/**
 * The validated configuration of one training run ({@code ouro train}): the shared {@link Training}
 * sections (one {@link Training}) and {@link ModelConfig}, plus the seed, where the weights start
 * and the two text files.
 *
 * <p>Loading: the defaults ({@link #DEFAULTS}: every accepted key) ← the user's YAML ← dotted
 * overrides {@code a.b=value} (the value parsed as YAML). A key that is not in the defaults is a
 * {@link UserInputException} naming the closest known key ("did you mean").
 */
public record TrainConfig(
        long seed,
        String device,
        String out,
        Init init,
        ModelConfig model,
        Data data,
        Training training) {

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
    }

    /** {@code precision} as asked ({@code auto} until {@link #withPrecision}). */
    public PrecisionChoice precision() {
        return training.precision();
    }

    /**
     * This config with {@code precision} fixed to what {@code auto} resolved to on this machine.
     */
    public TrainConfig withPrecision(Precision resolved) {
        return new TrainConfig(
                seed, device, out, init, model, data, training.withPrecision(resolved));
    }

    /** Loads {@code file} with the given {@code key=value} overrides. */
    public static TrainConfig load(Path file, List<String> overrides) {
        return parse(YamlConfig.readFile(file), file.toString(), overrides);
    }

    /** Parses YAML text; {@code source} names it in errors. */
    public static TrainConfig parse(String yaml, String source, List<String> overrides) {
        ObjectNode tree = YamlConfig.tree(DEFAULTS, yaml, source, overrides);
        return YamlConfig.bind(TrainConfig.class, YamlConfig.nestTraining(tree), source);
    }

    /** The resolved configuration as YAML (written beside the run). */
    public String toYaml() {
        return YamlConfig.toYaml(this);
    }
}
