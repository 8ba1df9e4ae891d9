package dev.ouroboros.harness.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.harness.config.YamlConfig;
import dev.ouroboros.models.UserInputException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The validated configuration of one training run ({@code ouro train}).
 *
 * <p>Loading: {@code defaults.yaml} (next to this class; it lists every accepted key) ← the user's
 * YAML ← dotted overrides {@code a.b=value} (the value parsed as YAML). A key that is not in the
 * defaults is a {@link UserInputException} naming the closest known key ("did you mean").
 */
public record TrainConfig(
        long seed,
        String device,
        String precision,
        String out,
        Model model,
        Data data,
        Optim optim,
        Schedule schedule,
        Train train,
        Checkpoint checkpoint,
        Log log) {

    public record Model(
            String init,
            String checkpoint,
            String tokenizer,
            int vocabSize,
            int hiddenSize,
            int numHiddenLayers,
            int numAttentionHeads,
            int ffnDim,
            int maxPositionEmbeddings,
            Double dropout,
            Double attentionDropout)
            implements ModelShape {}

    public record Data(
            String train,
            String validation,
            int blockSize,
            long maxTrainBlocks,
            long maxValidationBlocks) {}

    /**
     * AdamW and clipping; {@code lossScale*}: fp16's dynamic loss scaling (torch.amp.GradScaler's
     * init_scale, growth_interval).
     */
    public record Optim(
            double lr,
            double beta1,
            double beta2,
            double eps,
            double weightDecay,
            double maxGradNorm,
            double lossScaleInit,
            long lossScaleGrowthInterval) {}

    public record Schedule(String kind, long warmupSteps, double etaMin, String cycle) {}

    public record Train(
            int epochs, int batchSize, int microBatchSize, long maxSteps, int evalBatchSize) {}

    public record Checkpoint(long everySteps, boolean resume) {}

    public record Log(long everySteps, double peakTflops) {}

    private static final ObjectMapper YAML = YamlConfig.YAML;

    public TrainConfig {
        oneOf("precision", precision, "fp32", "fp16", "bf16");
        oneOf("model.init", model.init(), "scratch", "checkpoint");
        if (model.init().equals("checkpoint") && blank(model.checkpoint())) {
            throw new UserInputException(
                    "config: model.init is 'checkpoint' but model.checkpoint is not set");
        }
        if (model.init().equals("scratch") && blank(model.tokenizer())) {
            throw new UserInputException(
                    "config: model.tokenizer is required when model.init is 'scratch'");
        }
        if (model.init().equals("scratch")) {
            nonNegative("model.vocab_size", model.vocabSize());
            positive("model.hidden_size", model.hiddenSize());
            positive("model.num_hidden_layers", model.numHiddenLayers());
            positive("model.num_attention_heads", model.numAttentionHeads());
            positive("model.ffn_dim", model.ffnDim());
            positive("model.max_position_embeddings", model.maxPositionEmbeddings());
        }
        probability("model.dropout", model.dropout());
        probability("model.attention_dropout", model.attentionDropout());
        if (blank(data.train())) {
            throw new UserInputException("config: data.train is required (a UTF-8 text file)");
        }
        if (blank(data.validation())) {
            throw new UserInputException("config: data.validation is required (a UTF-8 text file)");
        }
        if (data.blockSize() < 2) {
            throw new UserInputException(
                    "config: data.block_size must be at least 2, got " + data.blockSize());
        }
        nonNegative("data.max_train_blocks", data.maxTrainBlocks());
        nonNegative("data.max_validation_blocks", data.maxValidationBlocks());
        if (!(optim.lr() > 0) || !Double.isFinite(optim.lr())) {
            throw new UserInputException("config: optim.lr must be positive, got " + optim.lr());
        }
        if (!(optim.beta1() >= 0 && optim.beta1() < 1)
                || !(optim.beta2() >= 0 && optim.beta2() < 1)) {
            throw new UserInputException("config: optim.beta1 and optim.beta2 must be in [0, 1)");
        }
        if (!(optim.eps() > 0)) {
            throw new UserInputException("config: optim.eps must be positive, got " + optim.eps());
        }
        if (!(optim.weightDecay() >= 0)) {
            throw new UserInputException(
                    "config: optim.weight_decay must be >= 0, got " + optim.weightDecay());
        }
        if (!(optim.lossScaleInit() > 0) || Double.isInfinite(optim.lossScaleInit())) {
            throw new UserInputException(
                    "config: optim.loss_scale_init must be a positive number, got "
                            + optim.lossScaleInit());
        }
        positive("optim.loss_scale_growth_interval", optim.lossScaleGrowthInterval());
        if (!(optim.maxGradNorm() >= 0)) {
            throw new UserInputException(
                    "config: optim.max_grad_norm must be >= 0 (0 = off), got "
                            + optim.maxGradNorm());
        }
        oneOf("schedule.kind", schedule.kind(), "constant", "linear", "cosine");
        oneOf("schedule.cycle", schedule.cycle(), "run", "epoch");
        nonNegative("schedule.warmup_steps", schedule.warmupSteps());
        if (!(schedule.etaMin() >= 0 && schedule.etaMin() < optim.lr())) {
            throw new UserInputException(
                    "config: schedule.eta_min must be in [0, optim.lr), got "
                            + schedule.etaMin()
                            + " (lr "
                            + optim.lr()
                            + ")");
        }
        positive("train.epochs", train.epochs());
        positive("train.batch_size", train.batchSize());
        positive("train.micro_batch_size", train.microBatchSize());
        positive("train.eval_batch_size", train.evalBatchSize());
        nonNegative("train.max_steps", train.maxSteps());
        if (train.batchSize() % train.microBatchSize() != 0) {
            throw new UserInputException(
                    "config: train.batch_size "
                            + train.batchSize()
                            + " is not a multiple of train.micro_batch_size "
                            + train.microBatchSize());
        }
        positive("checkpoint.every_steps", checkpoint.everySteps());
        positive("log.every_steps", log.everySteps());
    }

    /** Gradient-accumulation steps: micro-batches per optimizer step. */
    public int accumulation() {
        return train.batchSize() / train.microBatchSize();
    }

    // ------------------------------------------------------------------------------------------
    // loading

    /** Every accepted key with its default. */
    public static final String DEFAULTS = "/dev/ouroboros/harness/train/defaults.yaml";

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
        try {
            return YAML.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Hash of everything that determines the numbers a run produces (all but {@code log}, {@code
     * checkpoint}, {@code out} and {@code device}); a checkpoint only resumes under the same hash.
     */
    public String trainingHash() {
        ObjectNode n = YAML.valueToTree(this);
        n.remove(List.of("log", "checkpoint", "out", "device"));
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(YAML.writeValueAsBytes(n));
            return HexFormat.of().formatHex(d).substring(0, 16);
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static void oneOf(String key, String v, String... allowed) {
        for (String a : allowed) {
            if (a.equals(v)) {
                return;
            }
        }
        throw new UserInputException(
                "config: "
                        + key
                        + " must be one of "
                        + String.join(" | ", allowed)
                        + ", got '"
                        + v
                        + "'");
    }

    private static void positive(String key, long v) {
        if (v <= 0) {
            throw new UserInputException("config: " + key + " must be positive, got " + v);
        }
    }

    private static void nonNegative(String key, long v) {
        if (v < 0) {
            throw new UserInputException("config: " + key + " must be >= 0, got " + v);
        }
    }

    private static void probability(String key, Double v) {
        if (v != null && !(v >= 0 && v < 1)) {
            throw new UserInputException("config: " + key + " must be in [0, 1), got " + v);
        }
    }
}
