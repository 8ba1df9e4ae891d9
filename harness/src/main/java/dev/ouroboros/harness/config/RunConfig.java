package dev.ouroboros.harness.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.datasets.BpeTrainer;
import dev.ouroboros.harness.gaussian.GaussianStudy;
import dev.ouroboros.harness.policy.MixingPolicy;
import dev.ouroboros.harness.run.BatchSize;
import dev.ouroboros.models.Attention;
import dev.ouroboros.models.Devices;
import dev.ouroboros.models.Precision;
import dev.ouroboros.models.PrecisionChoice;
import dev.ouroboros.models.UserInputException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * The validated configuration of a study ({@code ouro run}): which policies and seeds, how many
 * generations, the model, the data, how synthetic data is made, and how each generation trains.
 * Every value is checked here, when the config is loaded, so {@code ouro validate} and {@code ouro
 * run} refuse the same configs before any data is prepared. Keys and defaults: {@link #DEFAULTS}.
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties("slurm")
public record RunConfig(
        Kind kind,
        String name,
        String out,
        String device,
        int generations,
        List<MixingPolicy> policies,
        List<Long> seeds,
        Init init,
        Keep keep,
        ModelConfig model,
        Data data,
        Generate generate,
        Eval eval,
        GaussianStudy gaussian,
        Training training) {

    /**
     * The shared training defaults, the study's own keys, then the {@code slurm} section that only
     * {@code ouro sweep --slurm} reads ({@code sweep.SlurmOptions}; ignored here, not hashed).
     */
    public static final List<String> DEFAULTS =
            List.of(
                    Training.DEFAULTS,
                    "/dev/ouroboros/harness/run/defaults.yaml",
                    "/dev/ouroboros/harness/sweep/slurm-defaults.yaml");

    /** {@code lm}: OPT language models; {@code gaussian}: the closed-form testbed. */
    public enum Kind {
        LM,
        GAUSSIAN
    }

    /** Which generations keep their model directory once done ({@code run/Retention}). */
    public enum Keep {
        ALL,
        LAST,
        NONE_BUT_METRICS
    }

    public record GroundTruth(long seed, int trainLines, int validationLines, int testLines) {
        public GroundTruth {
            Checks.positive("data.ground_truth.train_lines", trainLines);
            Checks.positive("data.ground_truth.validation_lines", validationLines);
            Checks.positive("data.ground_truth.test_lines", testLines);
        }
    }

    public record Data(
            CorpusKind corpus,
            String path,
            int blockSize,
            long maxTrainBlocks,
            long maxValidationBlocks,
            long maxTestBlocks,
            Subset subset,
            SubsetSeed subsetSeed,
            WikitextLines wikitextLines,
            double validationFraction,
            double testFraction,
            GroundTruth groundTruth) {

        /** What {@code data.corpus} names (the corpus itself is a {@code datasets.Corpus}). */
        public enum CorpusKind {
            GROUND_TRUTH,
            WIKITEXT2,
            TEXT,
            JSONL
        }

        /**
         * Which blocks a capped split (and the diversity prompts) take: a seeded random sample in
         * index order, or the first ones.
         */
        public enum Subset {
            RANDOM,
            FIRST
        }

        /**
         * Whose seed draws the random subsets (D0, validation, test, diversity prompts): the
         * study's first seed, shared by every seed ({@code study}), or each seed its own ({@code
         * seed}: the seeds then vary the data too; policies stay paired within a seed).
         */
        public enum SubsetSeed {
            STUDY,
            SEED
        }

        /** {@code raw}: the lines of wiki.*.raw; {@code hf}: the HF rows (a blank line is ""). */
        public enum WikitextLines {
            RAW,
            HF
        }

        public Data {
            if (corpus != CorpusKind.GROUND_TRUTH && (path == null || path.isBlank())) {
                throw new UserInputException(
                        "config: data.path is required for data.corpus '"
                                + ConfigWords.word(corpus)
                                + "'");
            }
            subsetSeed = subsetSeed == null ? SubsetSeed.STUDY : subsetSeed;
            if (subsetSeed == SubsetSeed.SEED && subset == Subset.FIRST) {
                throw new UserInputException(
                        "config: data.subset_seed 'seed' draws each seed's own random subsets;"
                                + " data.subset 'first' takes the same first blocks for every seed"
                                + " (set data.subset: random, or data.subset_seed: study)");
            }
            Checks.blocks(blockSize, maxTrainBlocks, maxValidationBlocks);
            Checks.nonNegative("data.max_test_blocks", maxTestBlocks);
            if (!(validationFraction > 0
                    && testFraction > 0
                    && validationFraction + testFraction < 1)) {
                throw new UserInputException(
                        "config: data.validation_fraction and data.test_fraction must be positive"
                                + " and sum to less than 1, got "
                                + validationFraction
                                + " and "
                                + testFraction);
            }
        }
    }

    public record Generate(
            Mode mode,
            int numBeams,
            double repetitionPenalty,
            int newTokens,
            double lengthPenalty,
            double temperature,
            int topK,
            double topP,
            BatchSize batchSize,
            PrecisionChoice precision) {

        public enum Mode {
            BEAM,
            GREEDY,
            SAMPLE
        }

        public Generate {
            Checks.positive("generate.num_beams", numBeams);
            Checks.positive("generate.new_tokens", newTokens);
            java.util.Objects.requireNonNull(batchSize, "generate.batch_size");
            precision = precision == null ? PrecisionChoice.FP32 : precision;
            Checks.positive("generate.repetition_penalty", repetitionPenalty);
            Checks.positive("generate.temperature", temperature);
            Checks.nonNegative("generate.top_k", topK);
            if (!(topP > 0 && topP <= 1)) {
                throw new UserInputException(
                        "config: generate.top_p must be in (0, 1], got " + topP);
            }
        }

        /** These settings with {@code batch_size} fixed to {@code prompts}. */
        public Generate withBatchSize(int prompts) {
            return new Generate(
                    mode,
                    numBeams,
                    repetitionPenalty,
                    newTokens,
                    lengthPenalty,
                    temperature,
                    topK,
                    topP,
                    new BatchSize(prompts),
                    precision);
        }

        /**
         * These settings with {@code precision: auto} fixed: the study's resolved training
         * precision, or fp32 under eager attention (half decoding needs the fused step).
         */
        Generate resolved(Precision training, Attention attention) {
            if (!precision.isAuto()) {
                return this;
            }
            Precision p = attention == Attention.EAGER ? Precision.FP32 : training;
            return new Generate(
                    mode,
                    numBeams,
                    repetitionPenalty,
                    newTokens,
                    lengthPenalty,
                    temperature,
                    topK,
                    topP,
                    batchSize,
                    PrecisionChoice.of(p));
        }

        /** The precision decoding runs in; {@code auto} must have been resolved. */
        public Precision fixedPrecision() {
            return precision.fixed();
        }

        /** Sequences decoded per prompt: the beams of beam search, else one. */
        public int rowsPerPrompt() {
            return mode == Mode.BEAM ? numBeams : 1;
        }
    }

    /**
     * @param semanticEncoder a sentence-transformers BERT directory: {@code semantic_cosine} of the
     *     continuations is computed with it (null: not computed;
     *     docs/metrics.md#semantic-diversity)
     * @param syntactic whether the continuations are parsed (CoreNLP) for {@code syntactic_wl2} and
     *     {@code cr_pos}; needs {@code ouro setup corenlp}
     * @param syntacticSentences the most sentences {@code syntactic_wl2} compares (Guo et al.:
     *     3000)
     */
    public record Eval(
            int batchSize,
            int rollingWindow,
            int diversityPrompts,
            int selfBleuSamples,
            String semanticEncoder,
            boolean syntactic,
            int syntacticSentences) {
        public Eval {
            Checks.positive("eval.batch_size", batchSize);
            Checks.nonNegative("eval.rolling_window", rollingWindow);
            Checks.nonNegative("eval.diversity_prompts", diversityPrompts);
            Checks.nonNegative("eval.self_bleu_samples", selfBleuSamples);
            if (semanticEncoder != null && semanticEncoder.isBlank()) {
                throw new UserInputException(
                        "config: eval.semantic_encoder is empty (a directory, or null for none)");
            }
            Checks.positive("eval.syntactic_sentences", syntacticSentences);
        }
    }

    public RunConfig {
        if (!generate.precision().isAuto()
                && generate.precision().fixed().isHalf()
                && model.attention() == Attention.EAGER) {
            throw new UserInputException(
                    "config: generate.precision "
                            + generate.precision().label()
                            + " decodes through the fused step, which needs model.attention: sdpa");
        }
        if (kind == Kind.GAUSSIAN
                && (gaussian.dim() < 1 || gaussian.samples() < 2 || !(gaussian.sigma() > 0))) {
            throw new UserInputException(
                    "config: gaussian needs dim >= 1, samples >= 2 and sigma > 0");
        }
        if (name == null
                || name.isBlank()
                || !name.equals(name.strip())
                || name.equals(".")
                || name.equals("..")
                || name.contains("/")
                || name.contains("\\")
                || name.chars().anyMatch(c -> c < 0x20)) {
            throw new UserInputException(
                    "config: name '"
                            + name
                            + "' must be one directory name under `out` (no '/', '\\', '..',"
                            + " control characters or surrounding spaces)");
        }
        Devices.checkSpelling(device);
        if (generations < 1) {
            throw new UserInputException(
                    "config: generations must be at least 1, got " + generations);
        }
        if (policies == null || policies.isEmpty()) {
            throw new UserInputException("config: policies must list at least one policy");
        }
        if (seeds == null || seeds.isEmpty()) {
            throw new UserInputException("config: seeds must list at least one seed");
        }
        if (seeds.stream().distinct().count() != seeds.size()
                || policies.stream().map(MixingPolicy::spec).distinct().count()
                        != policies.size()) {
            throw new UserInputException("config: policies and seeds must not repeat");
        }
        if (init == Init.BASE && !model.hasBase()) {
            throw new UserInputException("config: init is 'base' but model.base is not set");
        }
        if (kind == Kind.LM && generate.newTokens() != data.blockSize()) {
            throw new UserInputException(
                    "config: generate.new_tokens ("
                            + generate.newTokens()
                            + ") must equal data.block_size ("
                            + data.blockSize()
                            + "): synthetic blocks train beside real ones");
        }
        if (model.tokenizer() != null && model.tokenizer().startsWith("bpe:")) {
            bpeSize(model.tokenizer());
        }
        if (generate.precision().isAuto() && !training.precision().isAuto()) {
            generate = generate.resolved(training.precision().fixed(), model.attention());
        }
        policies = List.copyOf(policies);
        seeds = List.copyOf(seeds);
    }

    /** The vocabulary size of {@code model.tokenizer: bpe:<size>}. */
    public static int bpeSize(String spec) {
        int size;
        try {
            size = Integer.parseInt(spec.substring(4));
        } catch (NumberFormatException e) {
            size = 0;
        }
        if (size < BpeTrainer.MIN_VOCAB_SIZE) {
            throw new UserInputException(
                    "config: model.tokenizer '"
                            + spec
                            + "': expected bpe:<vocab size> of at least "
                            + BpeTrainer.MIN_VOCAB_SIZE
                            + " (4 special tokens + 256 bytes), e.g. bpe:8000");
        }
        return size;
    }

    /** {@code precision} as asked ({@code auto} until {@link #withPrecision}). */
    public PrecisionChoice precision() {
        return training.precision();
    }

    /**
     * This config with {@code precision} fixed to what {@code auto} resolved to on this machine
     * ({@link dev.ouroboros.models.Placement}): what a run directory records and hashes.
     */
    public RunConfig withPrecision(Precision resolved) {
        return with(training.withPrecision(resolved), generate);
    }

    /**
     * This config with {@code generate.batch_size} fixed to what {@code auto} resolved to ({@link
     * dev.ouroboros.harness.run.GenerateBatch}); the run directory keeps hashing what was asked.
     */
    public RunConfig withGenerateBatchSize(int prompts) {
        return with(training, generate.withBatchSize(prompts));
    }

    private RunConfig with(Training training, Generate generate) {
        return new RunConfig(
                kind,
                name,
                out,
                device,
                generations,
                policies,
                seeds,
                init,
                keep,
                model,
                data,
                generate,
                eval,
                gaussian,
                training);
    }

    /** Whether generations start from a random init (so the model.* shape applies). */
    public boolean randomInit() {
        return init == Init.SCRATCH || !model.hasBase();
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
        return YamlConfig.bind(RunConfig.class, YamlConfig.nestTraining(tree), file.toString());
    }

    /** Parses YAML text (tests); {@code name} defaults to "run". */
    public static RunConfig parse(String yaml, List<String> overrides) {
        ObjectNode tree = YamlConfig.tree(DEFAULTS, yaml, "config", overrides);
        if (tree.get("name").isNull()) {
            tree.put("name", "run");
        }
        return YamlConfig.bind(RunConfig.class, YamlConfig.nestTraining(tree), "config");
    }

    public String toYaml() {
        return YamlConfig.toYaml(inKeyOrder(YamlConfig.flatTree(this)));
    }

    /**
     * Hash of everything that determines the numbers (not the output place, device or logging, nor
     * the attention kernel, nor the number of generations: generation t does not depend on how many
     * follow, so a study can be extended). The precision counts as resolved, so a config that says
     * {@code precision: fp32} and one whose {@code auto} resolved to fp32 hash alike; {@code auto}
     * itself has no hash.
     */
    public String hash() {
        if (precision().isAuto()) {
            throw new IllegalStateException(
                    "the hash of a config with precision auto: resolve it first (withPrecision)");
        }
        ObjectNode n = inKeyOrder(YamlConfig.flatTree(this));
        n.remove(List.of("name", "out", "device", "log", "checkpoint", "keep", "generations"));
        ((ObjectNode) n.get("model")).remove("attention"); // same numbers up to rounding
        Training.withoutOrderDefaults((ObjectNode) n.get("train"));
        if (data.subset() == Data.Subset.FIRST) {
            // what every run made before data.subset existed did: their hash is unchanged
            ((ObjectNode) n.get("data")).remove("subset");
        }
        if (data.subsetSeed() == Data.SubsetSeed.STUDY) {
            // likewise for data.subset_seed: every run before it drew its subsets from seeds[0]
            ((ObjectNode) n.get("data")).remove("subset_seed");
        }
        if (generate.precision() == PrecisionChoice.FP32) {
            // likewise for generate.precision: every run before it decoded in fp32
            ((ObjectNode) n.get("generate")).remove("precision");
        }
        if (eval.semanticEncoder() == null) {
            // likewise: the key is hashed only when set, so configs without it keep their hash
            ((ObjectNode) n.get("eval")).remove("semantic_encoder");
        }
        if (!eval.syntactic()) {
            // likewise for the syntactic metrics: off in every run before they existed
            ((ObjectNode) n.get("eval")).remove(List.of("syntactic", "syntactic_sentences"));
        }
        try {
            byte[] d =
                    MessageDigest.getInstance("SHA-256")
                            .digest(YamlConfig.YAML.writeValueAsBytes(n));
            return HexFormat.of().formatHex(d).substring(0, 16);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The top-level keys in the order the hash has always serialized them (the order of this
     * record's fields before the training sections became one {@link Training}): changing it would
     * change every run's hash.
     */
    private static final List<String> KEY_ORDER =
            List.of(
                    "kind",
                    "name",
                    "out",
                    "device",
                    "precision",
                    "generations",
                    "policies",
                    "seeds",
                    "init",
                    "keep",
                    "model",
                    "data",
                    "generate",
                    "eval",
                    "gaussian",
                    "optim",
                    "schedule",
                    "train",
                    "checkpoint",
                    "log");

    private static ObjectNode inKeyOrder(ObjectNode flat) {
        if (flat.size() != KEY_ORDER.size()) {
            throw new IllegalStateException("RunConfig's keys and KEY_ORDER differ: " + flat);
        }
        ObjectNode ordered = flat.objectNode();
        KEY_ORDER.forEach(k -> ordered.set(k, java.util.Objects.requireNonNull(flat.get(k), k)));
        return ordered;
    }

    public Path runDir() {
        return Path.of(out).resolve(name);
    }
}
