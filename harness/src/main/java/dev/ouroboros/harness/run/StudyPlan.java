package dev.ouroboros.harness.run;

import dev.ouroboros.datasets.ContentCache;
import dev.ouroboros.datasets.GroundTruthLanguage;
import dev.ouroboros.datasets.WordLevelTokenizer;
import dev.ouroboros.harness.base.OptParameters;
import dev.ouroboros.harness.config.ConfigWords;
import dev.ouroboros.harness.config.ModelConfig;
import dev.ouroboros.harness.config.RecordedPrecision;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.policy.MixingPolicy;
import dev.ouroboros.models.Devices;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.Placement;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.RawTensor;
import dev.ouroboros.models.io.StateDicts;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What a study will do and need, resolved from its config before the run directory is touched:
 * where it computes, the model it starts from, where the tokenizer comes from, the corpus, the
 * position table its blocks and continuations need; then, once the real data is prepared ({@link
 * #checkData}), the splits and their sizes, the model's vocabulary against the tokenizer's, what
 * each policy draws from the unused real pool, and the disk at the run's peak. {@code ouro
 * validate} prints every line; {@code ouro run} builds the same plan and stops at its first problem
 * ({@link #require}), so the two refuse the same configs with the same line (docs/studies.md).
 */
public final class StudyPlan {
    /** One line of the plan: a fact ({@code ok}), or a problem that stops the run. */
    public record Line(boolean ok, String text) {}

    /**
     * A problem of the plan: {@code ouro run} refuses with its line, exit 2, and leaves no new run
     * directory behind.
     */
    public static final class Refused extends UserInputException {
        Refused(String line) {
            super(line);
        }
    }

    private final RunConfig asked;
    private final List<Line> lines = new ArrayList<>();
    private Placement placement; // null when the device does not resolve
    private OptConfig baseShape; // the base checkpoint's config.json, when a run starts from it
    private OptConfig shape; // the shape every generation has, once the tokenizer is known
    private DiskEstimate disk; // once checkData measured the data

    private StudyPlan(RunConfig asked) {
        this.asked = asked;
    }

    /** The plan of {@code asked} up to the data: nothing is written. */
    public static StudyPlan of(RunConfig asked) {
        StudyPlan p = new StudyPlan(asked);
        p.resolvePlacement();
        p.runDirectory();
        p.outputPath();
        if (asked.kind() == RunConfig.Kind.LM) {
            p.base();
            p.tokenizer();
            p.corpus();
            p.positions();
            p.corpusMemory();
            StudyPlan.Line semantic = SemanticEval.planLine(asked);
            if (semantic != null) {
                p.lines.add(semantic);
            }
            p.syntaxModels();
        }
        return p;
    }

    /** Every line so far, in order. */
    public List<Line> lines() {
        return List.copyOf(lines);
    }

    /** The first problem, or null when there is none. */
    public String firstProblem() {
        return lines.stream().filter(l -> !l.ok()).map(Line::text).findFirst().orElse(null);
    }

    /** Throws {@link Refused} with the first problem, if any. */
    public void require() {
        String p = firstProblem();
        if (p != null) {
            throw new Refused(p);
        }
    }

    /** Where the study computes (null when the device does not resolve). */
    public Placement placement() {
        return placement;
    }

    /** The config with its precision resolved (what a run directory hashes and records). */
    public RunConfig config() {
        return asked.withPrecision(placement.precision());
    }

    /** The disk estimate, known once {@link #checkData} passed (else null). */
    public DiskEstimate disk() {
        return disk;
    }

    /** The shape of every generation's model, known once {@link #checkData} passed. */
    public OptConfig shape() {
        return shape;
    }

    private void ok(String s) {
        lines.add(new Line(true, s));
    }

    private void problem(String s) {
        lines.add(new Line(false, s));
    }

    /** With {@code eval.syntactic}: the CoreNLP models must be installed (ouro setup corenlp). */
    private void syntaxModels() {
        if (!asked.eval().syntactic()) {
            return;
        }
        java.nio.file.Path dir = SyntaxModels.dir();
        String status = dev.ouroboros.eval.syntax.corenlp.CoreNlpModels.status(dir);
        if (SyntaxModels.present()) {
            ok("eval.syntactic: " + status);
        } else {
            problem("eval.syntactic: " + status);
        }
    }

    /** The device and precision, as a run resolves them: a precision the run recorded wins. */
    private void resolvePlacement() {
        try {
            placement =
                    RecordedPrecision.placement(asked.runDir(), asked.device(), asked.precision());
            ok("device " + Devices.describe(placement.device()) + " (" + placement.line() + ")");
        } catch (UserInputException e) {
            problem("device " + asked.device() + ": " + e.getMessage());
        }
    }

    /** A new run directory, or one this config resumes; one made by another config is refused. */
    private void runDirectory() {
        if (placement == null) {
            return; // the hash needs the resolved precision
        }
        RunConfig cfg = config();
        Path dir = cfg.runDir();
        RunManifest manifest = new RunManifest(dir, cfg, s -> {});
        if (!manifest.exists()) {
            ok("run directory " + dir + ": new");
            return;
        }
        try {
            String other = manifest.otherConfig();
            if (other != null) {
                problem(other);
                return;
            }
        } catch (UserInputException e) { // an unreadable manifest
            problem(e.getMessage());
            return;
        }
        if (cfg.kind() == RunConfig.Kind.GAUSSIAN) {
            ok("run directory " + dir + ": resumes it");
            return;
        }
        ok(
                "run directory "
                        + dir
                        + ": resumes it ("
                        + Study.generationsDone(cfg)
                        + " of "
                        + cfg.generations() * cfg.policies().size() * cfg.seeds().size()
                        + " generations done)");
    }

    /** The base checkpoint a run loads weights from (not for a random init, which uses model.*). */
    private void base() {
        ModelConfig m = asked.model();
        if (!m.hasBase() || asked.randomInit()) {
            return;
        }
        Path base = Path.of(m.base());
        if (!Files.isDirectory(base)) {
            problem("model.base " + base + ": no such directory" + FetchHints.base(base));
            return;
        }
        try {
            baseShape = OptConfig.read(base);
            ok(
                    "model.base "
                            + base
                            + "/config.json: OPT "
                            + baseShape.numHiddenLayers()
                            + " layers, hidden "
                            + baseShape.hiddenSize()
                            + ", vocab "
                            + baseShape.vocabSize()
                            + ", "
                            + baseShape.maxPositionEmbeddings()
                            + " positions");
        } catch (RuntimeException e) {
            problem("model.base " + base + ": config.json: " + e.getMessage());
            return;
        }
        try {
            Map<String, RawTensor> sd = StateDicts.read(base);
            long params = sd.values().stream().mapToLong(RawTensor::numel).sum();
            String tensors = PlanChecks.baseTensors(base, baseShape, sd);
            if (tensors == null) {
                tensors = PlanChecks.baseFinite(base, sd);
            }
            if (tensors != null) {
                problem(tensors);
                return;
            }
            ok(
                    "model.base "
                            + base
                            + ": weights readable, "
                            + sd.size()
                            + " tensors, "
                            + params
                            + " parameters");
        } catch (RuntimeException e) {
            problem("model.base " + base + ": weights: " + e.getMessage());
        }
    }

    /**
     * Where the tokenizer comes from: {@code model.tokenizer} ({@code bpe:N} is trained when the
     * data is prepared), else the base checkpoint's, else the ground-truth language's built-in one.
     */
    private void tokenizer() {
        ModelConfig m = asked.model();
        String where = m.tokenizerOrBase();
        if (where != null && where.startsWith("bpe:")) {
            ok("tokenizer " + where + ": a byte-level BPE trained on the train split");
        } else if (where != null) {
            Path t = Path.of(where);
            if (!Files.isDirectory(t)) {
                problem("tokenizer " + t + ": no such directory");
                return;
            }
            try (OptTokenizer tok = OptTokenizer.load(t)) {
                ok("tokenizer " + t + ": " + tok.vocabSize() + " tokens");
            } catch (RuntimeException e) {
                problem("tokenizer " + t + ": " + e.getMessage());
            }
        } else if (asked.data().corpus() == RunConfig.Data.CorpusKind.GROUND_TRUTH) {
            int words =
                    new GroundTruthLanguage(
                                    GroundTruthLanguage.Config.defaults(
                                            asked.data().groundTruth().seed()))
                            .vocabulary()
                            .size();
            ok(
                    "tokenizer: the ground-truth language's word-level tokenizer (built in), "
                            + (words + WordLevelTokenizer.SPECIALS.size())
                            + " tokens");
        } else {
            problem(
                    "tokenizer: model.tokenizer (or model.base) is required for data.corpus '"
                            + ConfigWords.word(asked.data().corpus())
                            + "'");
        }
    }

    private void corpus() {
        RunConfig.Data d = asked.data();
        if (d.corpus() == RunConfig.Data.CorpusKind.GROUND_TRUTH) {
            ok(
                    "data: the ground-truth language (built in), "
                            + d.groundTruth().trainLines()
                            + " / "
                            + d.groundTruth().validationLines()
                            + " / "
                            + d.groundTruth().testLines()
                            + " train / validation / test lines");
        } else if (!Files.exists(Path.of(d.path()))) {
            problem(
                    "data.path "
                            + d.path()
                            + ": does not exist"
                            + (d.corpus() == RunConfig.Data.CorpusKind.WIKITEXT2
                                    ? FetchHints.wikitext2(Path.of(d.path()))
                                    : ""));
        } else if (PlanChecks.emptyCorpus(Path.of(d.path())) != null) {
            problem(PlanChecks.emptyCorpus(Path.of(d.path())));
        } else {
            ok("data " + d.path() + ": " + ConfigWords.word(d.corpus()));
        }
    }

    /**
     * The positions a run needs of the model: a training block ({@code data.block_size}), and a
     * block continued by {@code generate.new_tokens} (synthesis when there is a next generation;
     * the diversity prompts of every generation).
     */
    private void positions() {
        String of;
        int table;
        if (asked.randomInit()) {
            of = "model.max_position_embeddings";
            table = asked.model().maxPositionEmbeddings();
        } else if (baseShape != null) {
            of = "max_position_embeddings of model.base " + asked.model().base();
            table = baseShape.maxPositionEmbeddings();
        } else {
            return; // the base's problem is said already
        }
        long b = asked.data().blockSize(); // long: a huge block_size + new_tokens must not wrap
        long n = asked.generate().newTokens();
        boolean continues = asked.generations() > 1 || asked.eval().diversityPrompts() > 0;
        if (b > table) {
            problem("model: data.block_size " + b + " exceeds " + of + " (" + table + ")");
        } else if (continues && b + n > table) {
            problem(
                    "model: data.block_size "
                            + b
                            + " + generate.new_tokens "
                            + n
                            + " = "
                            + (b + n)
                            + " positions exceed "
                            + of
                            + " ("
                            + table
                            + "): synthesis and the diversity prompts continue a block by"
                            + " new_tokens");
        } else {
            ok(
                    "positions: "
                            + (continues ? b + n : b)
                            + " of "
                            + table
                            + " (data.block_size "
                            + b
                            + (continues ? " + generate.new_tokens " + n : "")
                            + ")");
        }
    }

    /** The run directory can be made where {@code out} and {@code name} put it. */
    private void outputPath() {
        String p = PlanChecks.outputPath(asked.runDir());
        if (p != null) {
            problem(p);
        }
    }

    /** The ground-truth corpus fits the heap while it is prepared (checked before it is made). */
    private void corpusMemory() {
        if (asked.data().corpus() == RunConfig.Data.CorpusKind.GROUND_TRUTH) {
            String p =
                    PlanChecks.groundTruthMemory(
                            asked.data().groundTruth(), Runtime.getRuntime().maxMemory());
            if (p != null) {
                problem(p);
            }
        }
    }

    /**
     * Prepares the real data for the plan's second half ({@link StudyData#prepare}); a corpus or
     * tokenizer that cannot be prepared is a problem of the plan (then null).
     */
    public StudyData prepareData(Path dataDir, ContentCache cache, Consumer<String> log) {
        try {
            return StudyData.prepare(asked, dataDir, cache, log);
        } catch (UserInputException e) {
            problem("data: " + e.getMessage());
            return null;
        }
    }

    /**
     * The plan's second half, on the prepared real data: the splits, the model's vocabulary against
     * the tokenizer, each policy's draw on the unused real pool, and the disk at the run's peak
     * against what is free where the run directory goes.
     */
    public void checkData(StudyData data) {
        int n = data.train().count();
        ok(
                "data: D0 "
                        + n
                        + " blocks of "
                        + asked.data().blockSize()
                        + " tokens, "
                        + data.freshReal().count()
                        + " unused real, "
                        + data.validation().count()
                        + " validation, "
                        + data.test().count()
                        + " test blocks; "
                        + data.prompts().length
                        + " diversity prompts");
        String empty = PlanChecks.splits(data, asked);
        if (empty != null) {
            problem(empty);
            return;
        }
        if (!modelShape(data)) {
            return;
        }
        for (MixingPolicy policy : asked.policies()) {
            int fresh = policy.freshRealNeeded(n, asked.generations() - 1);
            if (fresh > data.freshReal().count()) {
                problem(
                        "policy "
                                + policy.spec()
                                + ": needs "
                                + fresh
                                + " unused real blocks, the train split has only "
                                + data.freshReal().count()
                                + " beyond D0 (lower data.max_train_blocks)");
            }
        }
        disk(n, data.tokenizer().savedBytes());
    }

    private boolean modelShape(StudyData data) {
        int ids = data.tokenizer().idLimit();
        try {
            shape = asked.randomInit() ? asked.model().randomInit(ids) : baseShape;
        } catch (UserInputException e) {
            problem("model: " + e.getMessage());
            return false;
        }
        if (ids > shape.vocabSize()) {
            problem(
                    "tokenizer "
                            + data.tokenizerDir()
                            + ": "
                            + ids
                            + " ids (0.."
                            + (ids - 1)
                            + "), more than the model's vocab_size "
                            + shape.vocabSize());
            return false;
        }
        ok(
                "model: OPT "
                        + shape.numHiddenLayers()
                        + " layers, hidden "
                        + shape.hiddenSize()
                        + ", vocab "
                        + shape.vocabSize()
                        + " ≥ the tokenizer's "
                        + ids
                        + " ids"
                        + (asked.randomInit() ? " (random init)" : ""));
        return true;
    }

    private void disk(int trainBlocks, long tokenizerBytes) {
        DiskEstimate est =
                DiskEstimate.of(asked, OptParameters.count(shape), trainBlocks, tokenizerBytes);
        disk = est;
        String shortfall = est.shortfall(asked.runDir());
        if (shortfall != null) {
            problem(shortfall);
        } else {
            ok(est.describe(asked));
        }
    }
}
