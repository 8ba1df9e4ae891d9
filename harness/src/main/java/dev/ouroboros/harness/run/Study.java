package dev.ouroboros.harness.run;

import static dev.ouroboros.models.io.FileTrees.deleteTree;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.datasets.BlockFile;
import dev.ouroboros.datasets.BlockSource;
import dev.ouroboros.datasets.ContentCache;
import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.eval.report.PerSamplePpl;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.gaussian.GaussianStudy;
import dev.ouroboros.harness.policy.MixingPolicy;
import dev.ouroboros.harness.train.CheckpointStore;
import dev.ouroboros.harness.train.InitialWeights;
import dev.ouroboros.harness.train.Trainer;
import dev.ouroboros.models.Attention;
import dev.ouroboros.models.CrashPoint;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.Placement;
import dev.ouroboros.models.io.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.random.RandomGeneratorFactory;

/**
 * One model-collapse study (docs/studies.md): for every (policy, seed), generation 0 trains on real
 * data and generation t ≥ 1 on the set its policy builds from D0 and S_1..S_t, where S_{t+1} is
 * what generation t's model writes when continuing every real training block.
 *
 * <p>Before anything is written the study's {@link StudyPlan} must hold; the real data is prepared
 * once, and a new run directory whose data fails the plan is removed again. Stages of a generation,
 * each resumable: train (checkpoint/ while running, model/ renamed into place when done) →
 * synthesize S_{t+1} ({@link SyntheticSets}) → score it with the generation-0 model → evaluate
 * (eval.json written atomically, then its rows appended to metrics.jsonl unless already there) →
 * DONE, written last. A stage whose output exists is not redone; a generation without DONE is
 * continued where it stopped. Generation 0 is computed by the first policy's cell of each seed and
 * taken over by the others ({@link Gen0Sharing}).
 */
public final class Study {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunConfig cfg;
    private final Consumer<String> console;
    private final Device device;
    private final RunDir dir;
    private final StudyData prepared;
    private final Gen0Sharing gen0;
    private final Retention retention;
    private final Map<Long, StudyData> bySeed = new HashMap<>();
    private final Map<Long, SyntheticSets> syntheticBySeed = new HashMap<>();
    private final KeptModels kept;
    private int budget; // generations this process may still finish (--fresh-jvm: 1)

    private Study(RunConfig cfg, Device device, RunDir dir, StudyData data, Consumer<String> log) {
        this.cfg = cfg;
        this.console = log;
        this.device = device;
        this.dir = dir;
        this.prepared = data;
        this.gen0 = new Gen0Sharing(cfg, dir.root());
        this.retention = new Retention(cfg, gen0);
        this.kept = new KeptModels(cfg, dir.root(), data.tokenizer(), log, this::fit);
    }

    /** The data of {@code seed}'s cells ({@code data.subset_seed}). */
    private StudyData data(long seed) {
        return bySeed.computeIfAbsent(seed, s -> prepared.forSeed(cfg, s));
    }

    /** The synthetic sets of {@code seed}'s cells, continuing that seed's D0. */
    private SyntheticSets synthetic(long seed) {
        return syntheticBySeed.computeIfAbsent(
                seed,
                s -> new SyntheticSets(cfg, data(s), dir.root(), device, console, kept::trust));
    }

    /** Runs or resumes the study of {@code cfg} in {@code cfg.runDir()}. */
    public static void run(RunConfig cfg, List<String> overrides, Consumer<String> console) {
        run(cfg, overrides, console, Integer.MAX_VALUE);
    }

    /**
     * Like {@link #run(RunConfig, List, Consumer)} but returns after finishing {@code
     * maxGenerations} generations.
     */
    public static void run(
            RunConfig asked, List<String> overrides, Consumer<String> console, int maxGenerations) {
        StudyPlan plan = StudyPlan.of(asked);
        plan.require(); // nothing is written before this
        Placement placement = plan.placement();
        console.accept(placement.line());
        RunConfig cfg = plan.config(); // the precision resolved: what is hashed and recorded
        Attention.select(cfg.model().attention()); // every model this study builds
        Trainer.checkPrecision(placement.precision(), placement.device());
        boolean created = !Files.exists(cfg.runDir());
        try {
            try (RunDir d = RunDir.lock(cfg.runDir())) {
                d.removeStaleTemps(console);
                RunManifest manifest = new RunManifest(d.root(), cfg, console);
                manifest.requireSameConfig();
                if (cfg.kind() == RunConfig.Kind.GAUSSIAN) {
                    manifest.start(placement, overrides);
                    MetricsRepair.repair(cfg, d.root(), console);
                    gaussian(cfg, d);
                } else {
                    lm(cfg, plan, d, manifest, overrides, console, maxGenerations);
                }
            }
        } catch (StudyPlan.Refused e) {
            if (created) { // the data failed the plan: leave no run directory behind
                deleteQuietly(cfg.runDir());
            }
            throw e;
        }
        if (isComplete(cfg)) {
            console.accept("run complete: " + cfg.runDir() + " (ouro report " + cfg.runDir() + ")");
        }
    }

    private static void lm(
            RunConfig planned,
            StudyPlan plan,
            RunDir d,
            RunManifest manifest,
            List<String> overrides,
            Consumer<String> console,
            int maxGenerations) {
        ContentCache cache =
                ContentCache.fromEnvironment(
                        System.getenv(), Path.of(System.getProperty("user.home")));
        StudyData data = plan.prepareData(d.data(), cache, console);
        plan.require();
        try {
            plan.checkData(data);
            plan.require();
            manifest.start(plan.placement(), overrides);
            MetricsRepair.repair(planned, d.root(), console);
            manifest.recordSubsets(data, planned.seeds());
            Device device = plan.placement().device();
            RunConfig cfg =
                    planned.withGenerateBatchSize(
                            manifest.generateBatchSize(plan.shape(), data.train().count(), device));
            Study s = new Study(cfg, device, d, data, console);
            s.budget = maxGenerations;
            if (BaseRows.apply(cfg)) {
                BaseRows.ensure(cfg, d.root(), s::data, device, console);
            }
            for (MixingPolicy policy : cfg.policies()) {
                for (long seed : cfg.seeds()) {
                    if (s.budget > 0) {
                        s.cell(policy, seed);
                    }
                }
            }
        } finally {
            data.tokenizer().close();
        }
    }

    /** The Gaussian testbed's rows of every policy and seed, those not in metrics.jsonl yet. */
    private static void gaussian(RunConfig cfg, RunDir d) {
        MetricsFile.appendMissing(
                d.metrics(),
                cfg.gaussian()
                        .rows(
                                cfg.policies(),
                                cfg.seeds(),
                                cfg.generations(),
                                seed -> Seeds.train(seed, 0)));
    }

    /**
     * Whether every (policy, seed) of {@code cfg} has its last generation DONE (Gaussian testbed:
     * its rows in metrics.jsonl).
     */
    public static boolean isComplete(RunConfig cfg) {
        if (cfg.kind() == RunConfig.Kind.GAUSSIAN) {
            Set<String> have = MetricsFile.keys(cfg.runDir().resolve(MetricsLog.FILE));
            for (MixingPolicy policy : cfg.policies()) {
                for (long seed : cfg.seeds()) {
                    String cell = policy.spec() + "|" + seed + "|";
                    for (int t = 0; t < cfg.generations(); t++) {
                        if (!have.contains(cell + t + "|" + GaussianStudy.SPLIT)) {
                            return false;
                        }
                    }
                }
            }
            return true;
        }
        for (MixingPolicy policy : cfg.policies()) {
            for (long seed : cfg.seeds()) {
                if (!RunDir.done(
                        RunDir.gen(
                                RunDir.cell(cfg.runDir(), policy.spec(), seed),
                                cfg.generations() - 1))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** How many generations of {@code cfg}'s cells are DONE (a measure of progress). */
    public static int generationsDone(RunConfig cfg) {
        int n = 0;
        for (MixingPolicy policy : cfg.policies()) {
            for (long seed : cfg.seeds()) {
                Path cell = RunDir.cell(cfg.runDir(), policy.spec(), seed);
                for (int t = 0; t < cfg.generations(); t++) {
                    n += RunDir.done(RunDir.gen(cell, t)) ? 1 : 0;
                }
            }
        }
        return n;
    }

    /** The generations of one (policy, seed), from the first one not DONE. */
    private void cell(MixingPolicy policy, long seed) {
        Path dirOfCell = RunDir.cell(dir.root(), policy.spec(), seed);
        StudyData data = data(seed);
        SyntheticSets synthetic = synthetic(seed);
        BlockSource real = BlockSource.concat(List.of(data.train(), data.freshReal()));
        Cell c = new Cell(policy, seed, dirOfCell, real, new ArrayList<>(), new ArrayList<>());
        for (int t = 0; t < cfg.generations(); t++) {
            Path g = c.gen(t);
            if (!RunDir.done(g)) {
                if (budget <= 0) {
                    return;
                }
                startOrAdopt(c, t);
                generation(c, t);
                budget--;
            }
            DoneRecord.requireEvalJson(g); // its rows and scores are read back below
            if (t < cfg.generations() - 1) {
                if (!SyntheticSets.hasScores(g)) {
                    synthetic.extend(c, t);
                }
                BlockFile s = synthetic.open(c, t);
                c.synthetic().add(s);
                c.eligible()
                        .add(
                                policy instanceof MixingPolicy.Curated cur
                                        ? MixingPolicy.Curated.curate(
                                                PerSamplePpl.read(g.resolve("eval.json"))
                                                        .get("synthetic"),
                                                cur.quantile())
                                        : StudyData.range(0, s.count()));
            }
        }
        retention.retain(dirOfCell, seed, true);
    }

    /** Says what generation t does: shares another policy's generation 0, continues, or starts. */
    private void startOrAdopt(Cell c, int t) {
        Path g = c.gen(t);
        Path donor = t == 0 ? gen0.donor(c.spec(), c.seed(), g) : null;
        if (donor != null) {
            console.accept(
                    c.where(t)
                            + ": sharing "
                            + dir.root().relativize(donor)
                            + " (generation 0 does not depend on the policy)");
            kept.trust(
                    new Cell(
                            c.policy(),
                            c.seed(),
                            donor.getParent(),
                            c.real(),
                            List.of(),
                            List.of()),
                    0);
            gen0.adopt(donor, g, c.spec());
        } else {
            console.accept(c.where(t) + ": " + (Files.exists(g) ? "continuing" : "starting"));
        }
    }

    /** Train (or load), synthesize and score S_{t+1}, evaluate, DONE. */
    private void generation(Cell c, int t) {
        Path g = c.gen(t);
        Path modelDir = g.resolve("model");
        Path evalJson = g.resolve("eval.json");
        try (LanguageModel model =
                Files.isDirectory(modelDir) ? LanguageModel.load(modelDir, device) : train(c, t)) {
            double[] syntheticPpl = null;
            double degenerate = Double.NaN;
            if (t < cfg.generations() - 1) {
                SyntheticSets synthetic = synthetic(c.seed());
                Path shared = t == 0 ? gen0.adoptedFrom(g) : null;
                if (shared != null && Files.exists(g.resolve(SyntheticSets.FILE))) {
                    console.accept(
                            c.where(t)
                                    + ": synthesize: shared ("
                                    + dir.root().relativize(shared)
                                    + "/"
                                    + SyntheticSets.FILE
                                    + ")");
                }
                BlockFile s = synthetic.make(model, c, t);
                if (!Files.exists(evalJson)) { // else its scores are in there
                    syntheticPpl = synthetic.scoreUnderGen0(model, c, t, s);
                    degenerate = DegenerateBlocks.share(s, data(c.seed()).tokenizer());
                }
            }
            List<MetricsRow> rows =
                    Files.exists(evalJson)
                            ? MetricsRepair.rows(evalJson)
                            : evaluate(model, c, t, syntheticPpl, degenerate);
            MetricsFile.appendMissing(dir.metrics(), rows);
            String ppl = "ppl_blocks" + cfg.data().blockSize();
            console.accept(
                    String.format(
                            "%s: test %s %.3f", c.where(t), ppl, rows.get(0).metrics().get(ppl)));
        }
        DoneRecord.write(g, t);
        retention.retain(c.dir(), c.seed(), false);
        Path donor = t == 0 ? gen0.adoptedFrom(g) : null;
        if (donor != null) { // the donor may have kept its generation-0 model only for this cell
            Path donorCell = donor.getParent();
            retention.retain(
                    donorCell, c.seed(), RunDir.done(RunDir.gen(donorCell, cfg.generations() - 1)));
        }
    }

    /**
     * The metric rows of generation t, with the continuations they were computed on
     * (continuations.jsonl, before eval.json) and eval.json (the rows and the synthetic set's
     * per-sample scores).
     */
    private List<MetricsRow> evaluate(
            LanguageModel model, Cell c, int t, double[] syntheticPpl, double degenerate) {
        CrashPoint.here("eval");
        Path g = c.gen(t);
        List<Continuation> texts = new ArrayList<>();
        List<MetricsRow> rows =
                GenerationEval.rows(
                        cfg,
                        data(c.seed()),
                        model,
                        c.spec(),
                        c.seed(),
                        t,
                        syntheticPpl,
                        degenerate,
                        texts);
        Continuation.write(g.resolve(Continuation.FILE), texts);
        ObjectNode e = JSON.createObjectNode();
        e.put("policy", c.spec()).put("seed", c.seed()).put("generation", t);
        ArrayNode a = e.putArray("rows");
        try {
            for (MetricsRow r : rows) {
                a.add(JSON.readTree(MetricsLog.toJson(r)));
            }
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
        if (syntheticPpl != null) {
            PerSamplePpl.put(e, Map.of("synthetic", syntheticPpl));
        }
        AtomicFile.write(
                g.resolve("eval.json"), e.toPrettyString().getBytes(StandardCharsets.UTF_8));
        return rows;
    }

    /**
     * Trains generation t on what its policy builds (D0 at t = 0) from its initial weights, and
     * saves the best epoch to model/ (renamed into place, so model/ is always whole).
     */
    private LanguageModel train(Cell c, int t) {
        Path g = c.gen(t);
        LanguageModel model = fit(c, t, g);
        try {
            Path tmp = g.resolve("model.tmp");
            deleteTree(tmp);
            model.save(tmp);
            prepared.tokenizer().save(tmp); // one tokenizer for every seed
            Files.move(tmp, g.resolve("model"), StandardCopyOption.ATOMIC_MOVE);
            new CheckpointStore(g.resolve("checkpoint")).deleteAll();
            return model;
        } catch (IOException e) {
            model.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Generation t trained on what its policy builds (D0 at t = 0) from its initial weights, with
     * its training log and checkpoints in {@code runDir}; the best epoch's weights.
     */
    private LanguageModel fit(Cell c, int t, Path runDir) {
        StudyData data = data(c.seed());
        BlockSource set =
                t == 0
                        ? data.train()
                        : c.policy()
                                .trainingSet(
                                        c.real(),
                                        data.train().count(),
                                        c.synthetic(),
                                        c.eligible(),
                                        RandomGeneratorFactory.of("L64X128MixRandom")
                                                .create(Seeds.policy(c.seed(), t)));
        if (t > 0 && cfg.init() == dev.ouroboros.harness.config.Init.PREVIOUS) {
            kept.trust(c, t - 1); // the weights it starts from
        }
        LanguageModel model =
                InitialWeights.create(
                        cfg.init(),
                        t,
                        cfg.model(),
                        t > 0 ? c.gen(t - 1).resolve("model") : null,
                        data.tokenizer(),
                        data.tokenizerDir().toString(),
                        Seeds.train(c.seed(), t),
                        device);
        try {
            console.accept(
                    String.format(
                            "%s: training on %d blocks (%s)",
                            c.where(t), set.count(), t == 0 ? "D0" : c.spec()));
            new Trainer(
                            cfg.training(),
                            Seeds.train(c.seed(), t),
                            model,
                            set,
                            data.validation(),
                            runDir)
                    .console(console)
                    .run();
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            deleteTree(dir);
        } catch (IOException e) {
            // the refusal says what matters; a leftover directory is named by the next run
        }
    }
}
