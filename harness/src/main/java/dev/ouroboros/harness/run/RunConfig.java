package dev.ouroboros.harness.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.harness.config.YamlConfig;
import dev.ouroboros.harness.policy.MixingPolicy;
import dev.ouroboros.harness.train.ModelShape;
import dev.ouroboros.harness.train.TrainConfig;
import dev.ouroboros.models.UserInputException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * The validated configuration of a study ({@code ouro run}): which policies and seeds, how many
 * generations, the model, the data, how synthetic data is made, and how each generation trains.
 * Every accepted key and its default is in {@code defaults.yaml} beside this class.
 */
public record RunConfig(
        String kind,
        String name,
        String out,
        String device,
        String precision,
        int generations,
        List<String> policies,
        List<Long> seeds,
        String init,
        String keep,
        Model model,
        Data data,
        Generate generate,
        Eval eval,
        Gaussian gaussian,
        TrainConfig.Optim optim,
        TrainConfig.Schedule schedule,
        TrainConfig.Train train,
        TrainConfig.Checkpoint checkpoint,
        TrainConfig.Log log) {

    public static final String DEFAULTS = "/dev/ouroboros/harness/run/defaults.yaml";

    public record Model(
            String base,
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

    public record GroundTruth(long seed, int trainLines, int validationLines, int testLines) {}

    public record Data(
            String corpus,
            String path,
            int blockSize,
            long maxTrainBlocks,
            long maxValidationBlocks,
            long maxTestBlocks,
            String wikitextLines,
            double validationFraction,
            double testFraction,
            GroundTruth groundTruth) {}

    public record Generate(
            String mode,
            int numBeams,
            double repetitionPenalty,
            int newTokens,
            double lengthPenalty,
            double temperature,
            int topK,
            double topP,
            int batchSize) {}

    public record Eval(
            int batchSize, int rollingWindow, int diversityPrompts, int selfBleuSamples) {}

    /** The Gaussian testbed: fit mean and unbiased covariance, sample M points, repeat. */
    public record Gaussian(int dim, double mean, double sigma, int samples) {}

    public RunConfig {
        oneOf("kind", kind, "lm", "gaussian");
        if (kind.equals("gaussian")
                && (gaussian.dim() < 1 || gaussian.samples() < 2 || !(gaussian.sigma() > 0))) {
            throw new UserInputException(
                    "config: gaussian needs dim >= 1, samples >= 2 and sigma > 0");
        }
        if (generations < 1) {
            throw new UserInputException(
                    "config: generations must be at least 1, got " + generations);
        }
        if (policies == null || policies.isEmpty()) {
            throw new UserInputException("config: policies must list at least one policy");
        }
        policies.forEach(MixingPolicy::parse); // validates, with "did you mean"
        if (seeds == null || seeds.isEmpty()) {
            throw new UserInputException("config: seeds must list at least one seed");
        }
        if (seeds.stream().distinct().count() != seeds.size()
                || policies.stream().distinct().count() != policies.size()) {
            throw new UserInputException("config: policies and seeds must not repeat");
        }
        oneOf("init", init, "base", "previous", "scratch");
        oneOf("keep", keep, "all", "last", "none-but-metrics");
        oneOf("precision", precision, "fp32", "fp16", "bf16");
        if (init.equals("base") && blank(model.base())) {
            throw new UserInputException("config: init is 'base' but model.base is not set");
        }
        oneOf("data.corpus", data.corpus(), "ground-truth", "wikitext2", "text", "jsonl");
        if (!data.corpus().equals("ground-truth") && blank(data.path())) {
            throw new UserInputException(
                    "config: data.path is required for data.corpus '" + data.corpus() + "'");
        }
        oneOf("data.wikitext_lines", data.wikitextLines(), "raw", "hf");
        if (data.blockSize() < 2) {
            throw new UserInputException(
                    "config: data.block_size must be at least 2, got " + data.blockSize());
        }
        oneOf("generate.mode", generate.mode(), "beam", "greedy", "sample");
        if (generate.numBeams() < 1) {
            throw new UserInputException(
                    "config: generate.num_beams must be at least 1, got " + generate.numBeams());
        }
        if (generate.newTokens() < 1) {
            throw new UserInputException(
                    "config: generate.new_tokens must be at least 1, got " + generate.newTokens());
        }
        if (generate.batchSize() < 1 || eval.batchSize() < 1) {
            throw new UserInputException(
                    "config: generate.batch_size and eval.batch_size must be at least 1");
        }
        if (!(generate.topP() > 0 && generate.topP() <= 1)) {
            throw new UserInputException(
                    "config: generate.top_p must be in (0, 1], got " + generate.topP());
        }
    }

    /**
     * Loads a config file with dotted overrides; the run is named after the file unless {@code
     * name} is set.
     */
    public static RunConfig load(Path file, List<String> overrides) {
        ObjectNode tree =
                YamlConfig.tree(DEFAULTS, YamlConfig.readFile(file), file.toString(), overrides);
        if (tree.get("name").isNull()) {
            tree.put("name", file.getFileName().toString().replaceFirst("\\.ya?ml$", ""));
        }
        return YamlConfig.bind(RunConfig.class, tree, file.toString());
    }

    /** Parses YAML text (tests); {@code name} defaults to "run". */
    public static RunConfig parse(String yaml, List<String> overrides) {
        ObjectNode tree = YamlConfig.tree(DEFAULTS, yaml, "config", overrides);
        if (tree.get("name").isNull()) {
            tree.put("name", "run");
        }
        return YamlConfig.bind(RunConfig.class, tree, "config");
    }

    public String toYaml() {
        return YamlConfig.toYaml(this);
    }

    /** Hash of everything that determines the numbers (not the output place, device or logging). */
    public String hash() {
        ObjectNode n = YamlConfig.YAML.valueToTree(this);
        n.remove(List.of("name", "out", "device", "log", "checkpoint", "keep"));
        try {
            byte[] d =
                    MessageDigest.getInstance("SHA-256")
                            .digest(YamlConfig.YAML.writeValueAsBytes(n));
            return HexFormat.of().formatHex(d).substring(0, 16);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public Path runDir() {
        return Path.of(out).resolve(name);
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
                        + "'"
                        + dev.ouroboros.harness.config.DidYouMean.suggest(
                                String.valueOf(v), List.of(allowed)));
    }
}
