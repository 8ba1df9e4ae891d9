package dev.ouroboros.harness.run;

import static dev.ouroboros.models.io.FileTrees.deleteTree;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.datasets.BlockFile;
import dev.ouroboros.datasets.BlockSource;
import dev.ouroboros.datasets.ContentCache;
import dev.ouroboros.datasets.CorruptBlockFileException;
import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.eval.report.PerSamplePpl;
import dev.ouroboros.harness.config.ConfigWords;
import dev.ouroboros.harness.config.RecordedPrecision;
import dev.ouroboros.harness.gaussian.GaussianTestbed;
import dev.ouroboros.harness.policy.MixingPolicy;
import dev.ouroboros.harness.policy.Pick;
import dev.ouroboros.harness.policy.Pools;
import dev.ouroboros.harness.train.CheckpointStore;
import dev.ouroboros.harness.train.Init;
import dev.ouroboros.harness.train.ModelConfig;
import dev.ouroboros.harness.train.Trainer;
import dev.ouroboros.models.Accelerators;
import dev.ouroboros.models.Attention;
import dev.ouroboros.models.CrashPoint;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.Placement;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.random.RandomGeneratorFactory;

/**
 * One model-collapse study: for every (policy, seed), generation 0 trains on real data and
 * generation t ≥ 1 on the set its policy builds from D0 and S_1..S_t, where S_{t+1} is what
 * generation t's model writes when continuing every real training block.
 *
 * <p>Stages of a generation, each resumable: train (checkpoint/ while running, model/ renamed into
 * place when done) → synthesize S_{t+1} (synthetic.bin, batch by batch) → score it with the
 * generation-0 model → evaluate (eval.json written atomically, then its rows appended to
 * metrics.jsonl unless already there) → DONE, written last. A stage whose output exists is not
 * redone; a generation without DONE is continued where it stopped. Generation 0 is computed by the
 * first policy's cell of each seed and taken over by the others ({@link Gen0Sharing}).
 */
public final class Study {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunConfig cfg; // generate.batch_size auto is resolved once the data and shape are known
    private final Consumer<String> console;
    private final Device device;
    private final Placement placement;
    private RunDir dir;
    private Gen0Sharing gen0;
    private Retention retention;
    private StudyData data;
    private int budget =
            Integer.MAX_VALUE; // generations this process may still finish (--fresh-jvm: 1)

    private Study(RunConfig cfg, Placement placement, Consumer<String> console) {
        this.cfg = cfg;
        Attention.select(cfg.model().attention()); // every model this study builds
        this.console = console;
        this.placement = placement;
        this.device = placement.device();
        Trainer.checkPrecision(placement.precision(), device);
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
        Placement placement =
                RecordedPrecision.placement(asked.runDir(), asked.device(), asked.precision());
        console.accept(placement.line());
        RunConfig cfg = asked.withPrecision(placement.precision()); // what is hashed and recorded
        Study s = new Study(cfg, placement, console);
        s.budget = maxGenerations;
        try (RunDir d = RunDir.lock(cfg.runDir())) {
            s.dir = d;
            s.gen0 = new Gen0Sharing(cfg, d.root());
            s.retention = new Retention(cfg, s.gen0);
            s.removeStaleTemps();
            s.start(overrides);
            MetricsRepair.repair(cfg, d.root(), console);
            if (cfg.kind() == RunConfig.Kind.GAUSSIAN) {
                s.gaussian();
                console.accept("run complete: " + d.root() + " (ouro report " + d.root() + ")");
                return;
            }
            s.data =
                    StudyData.prepare(
                            cfg,
                            d.data(),
                            ContentCache.fromEnvironment(
                                    System.getenv(), Path.of(System.getProperty("user.home"))),
                            console);
            s.recordSubsets();
            OptConfig shape = // a random init's shape is checked here, before any training
                    cfg.randomInit()
                            ? cfg.model().randomInit(s.data.tokenizer().idLimit())
                            : OptConfig.read(Path.of(cfg.model().base()));
            DiskEstimate.of(cfg, DiskEstimate.params(shape), s.data.train().count())
                    .requireFreeSpace(d.root());
            s.resolveBatchSize(shape);
            for (MixingPolicy policy : cfg.policies()) {
                for (long seed : cfg.seeds()) {
                    if (s.budget > 0) {
                        s.cell(policy, seed);
                    }
                }
            }
            if (isComplete(cfg)) {
                console.accept("run complete: " + d.root() + " (ouro report " + d.root() + ")");
            }
        } finally {
            if (s.data != null) {
                s.data.tokenizer().close();
            }
        }
    }

    /** Whether every (policy, seed) of {@code cfg} has its last generation DONE. */
    public static boolean isComplete(RunConfig cfg) {
        if (cfg.kind() == RunConfig.Kind.GAUSSIAN) {
            return false;
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

    /**
     * Deletes the temporary files of writes killed before their rename. Safe under the run lock:
     * every writer of the run directory holds it, except {@code ouro report}, whose report/ and
     * {@code .report-*} directories are left to it.
     */
    private void removeStaleTemps() {
        List<Path> removed =
                AtomicFile.removeStale(
                        dir.root(),
                        p -> {
                            String n = p.getFileName().toString();
                            return p.getParent().equals(dir.root())
                                    && (n.equals("report") || n.startsWith(".report-"));
                        });
        if (!removed.isEmpty()) {
            console.accept(
                    dir.root()
                            + ": removed "
                            + removed.size()
                            + " temporary "
                            + (removed.size() == 1 ? "file" : "files")
                            + " of killed writes ("
                            + String.join(
                                    ", ",
                                    removed.stream()
                                            .map(
                                                    f ->
                                                            dir.root()
                                                                    .relativize(f)
                                                                    .toString()
                                                                    .replace('\\', '/'))
                                            .sorted()
                                            .toList())
                            + ")");
        }
    }

    /** Writes manifest/config on a new directory; refuses a directory made by another config. */
    private void start(List<String> overrides) {
        Path manifest = dir.root().resolve("manifest.json");
        if (Files.exists(manifest)) {
            String had;
            try {
                had = JSON.readTree(manifest.toFile()).path("config_hash").asText();
            } catch (IOException e) {
                throw new UserInputException(manifest + ": unreadable (" + e.getMessage() + ")");
            }
            if (!had.equals(cfg.hash())) {
                throw new UserInputException(
                        dir.root()
                                + ": was started with another config (hash "
                                + had
                                + ", this one "
                                + cfg.hash()
                                + "); resume it with its own config.resolved.yaml, or give this one another name (add name=NEW_NAME)");
            }
            console.accept("resuming " + dir.root());
            recordGenerations(manifest);
            return;
        }
        writeResolvedConfig();
        write(
                dir.root().resolve("overrides.txt"),
                String.join("\n", overrides) + (overrides.isEmpty() ? "" : "\n"));
        ObjectNode m = Manifest.describe(cfg, placement);
        putDerivedSeeds(m);
        write(manifest, m.toPrettyString());
        console.accept("new run " + dir.root());
    }

    /**
     * Fixes {@code generate.batch_size: auto} ({@link GenerateBatch}) and records it in the
     * manifest ({@code generate_batch_size}); a resume reuses the recorded size wherever it runs,
     * so the sampling streams and batched roundings stay those of the first start.
     */
    private void resolveBatchSize(OptConfig shape) {
        if (!cfg.generate().batchSize().isAuto()) {
            return;
        }
        Path manifest = dir.root().resolve("manifest.json");
        ObjectNode m = readManifest(manifest);
        int n;
        if (m.path("generate_batch_size").canConvertToInt()) {
            n = m.get("generate_batch_size").asInt();
            console.accept(
                    "generate.batch_size: auto -> " + n + " (as recorded in " + manifest + ")");
        } else {
            GenerateBatch b =
                    GenerateBatch.resolve(
                            cfg.generate(),
                            shape,
                            cfg.data().blockSize(),
                            data.train().count(),
                            device,
                            Accelerators::freeBytes);
            n = b.prompts();
            console.accept(b.line());
            m.put("generate_batch_size", n);
            write(manifest, m.toPrettyString());
        }
        cfg = cfg.withGenerateBatchSize(n);
    }

    /**
     * Records in the manifest which blocks each split took ({@code data_subsets}: subset, blocks,
     * of, sha256 of the indices); a resume whose data picks other blocks is refused.
     */
    private void recordSubsets() {
        Path manifest = dir.root().resolve("manifest.json");
        ObjectNode m = readManifest(manifest);
        ObjectNode now = JSON.createObjectNode();
        data.chosen().forEach((split, c) -> now.set(split, c.describe()));
        if (m.has("data_subsets")) {
            if (!m.get("data_subsets").equals(now)) {
                throw new UserInputException(
                        dir.root()
                                + ": the data now gives other blocks than the run was made with"
                                + " (manifest data_subsets "
                                + m.get("data_subsets")
                                + ", now "
                                + now
                                + "); were the corpus files changed?");
            }
            return;
        }
        m.set("data_subsets", now);
        write(manifest, m.toPrettyString());
    }

    private void writeResolvedConfig() {
        write(
                dir.root().resolve("config.resolved.yaml"),
                "# resolved by ouro; resume with: scripts/ouro resume "
                        + dir.root()
                        + "\n"
                        + cfg.toYaml());
    }

    private static ObjectNode readManifest(Path manifest) {
        try {
            return (ObjectNode) JSON.readTree(manifest.toFile());
        } catch (IOException | ClassCastException e) {
            throw new UserInputException(manifest + ": unreadable (" + e.getMessage() + ")");
        }
    }

    /**
     * A run resumed with another number of generations (the config hash leaves it out): the
     * resolved config and the manifest's derived seeds are rewritten for the new count, and the
     * change is kept in the manifest's {@code generations_history}.
     */
    private void recordGenerations(Path manifest) {
        ObjectNode m = readManifest(manifest);
        int had = m.path("derived_seeds").path(String.valueOf(cfg.seeds().get(0))).size();
        if (had == cfg.generations()) {
            return;
        }
        console.accept(dir.root() + ": " + had + " generations before, now " + cfg.generations());
        m.withArray("generations_history")
                .addObject()
                .put("from", had)
                .put("to", cfg.generations())
                .put("time", java.time.Instant.now().toString());
        putDerivedSeeds(m);
        writeResolvedConfig();
        write(manifest, m.toPrettyString());
    }

    private void putDerivedSeeds(ObjectNode m) {
        ObjectNode seeds = m.putObject("derived_seeds");
        for (long seed : cfg.seeds()) {
            ArrayNode a = seeds.putArray(String.valueOf(seed));
            for (int t = 0; t < cfg.generations(); t++) {
                a.addObject()
                        .put("generation", t)
                        .put("train", Seeds.train(seed, t))
                        .put("policy", Seeds.policy(seed, t))
                        .put("synthesis", Seeds.synthesis(seed, t))
                        .put("eval", Seeds.eval(seed, t));
            }
        }
    }

    /** The Gaussian testbed under every policy and seed: one {@code fit} row per generation. */
    private void gaussian() {
        RunConfig.Gaussian g = cfg.gaussian();
        double[] mu = new double[g.dim()];
        Arrays.fill(mu, g.mean());
        List<MetricsRow> rows = new ArrayList<>();
        for (MixingPolicy policy : cfg.policies()) {
            for (long seed : cfg.seeds()) {
                List<GaussianTestbed.Fit> fits =
                        GaussianTestbed.run(
                                mu,
                                g.sigma(),
                                g.samples(),
                                cfg.generations() - 1,
                                policy,
                                Seeds.train(seed, 0));
                for (var f : fits) {
                    rows.add(
                            MetricsRow.of(
                                    policy.spec(),
                                    (int) seed,
                                    f.generation(),
                                    "fit",
                                    Map.of(
                                            "gauss_mean_sq_error",
                                            f.meanSquaredError(mu),
                                            "gauss_variance",
                                            f.trace() / g.dim()),
                                    Map.of()));
                }
            }
        }
        appendMissing(rows);
    }

    private void cell(MixingPolicy policy, long seed) {
        String policySpec = policy.spec();
        Path cell = RunDir.cell(dir.root(), policySpec, seed);
        int n = data.train().count();
        int fresh = policy.freshRealNeeded(n, cfg.generations() - 1);
        if (fresh > data.freshReal().count()) {
            throw new UserInputException(
                    "policy "
                            + policySpec
                            + ": needs "
                            + fresh
                            + " unused real blocks, the train split has only "
                            + data.freshReal().count()
                            + " beyond D0 (lower data.max_train_blocks)");
        }
        BlockSource real = BlockSource.concat(List.of(data.train(), data.freshReal()));
        List<BlockSource> synthetic = new ArrayList<>(); // S_1..S_t
        List<int[]> eligible = new ArrayList<>();
        for (int t = 0; t < cfg.generations(); t++) {
            Path g = RunDir.gen(cell, t);
            String where = "policy=" + policySpec + " seed=" + seed + " gen=" + t;
            if (!RunDir.done(g)) {
                if (budget <= 0) {
                    return;
                }
                Path donor = t == 0 ? gen0.donor(policySpec, seed, g) : null;
                if (donor != null) {
                    console.accept(
                            where
                                    + ": sharing "
                                    + dir.root().relativize(donor)
                                    + " (generation 0 does not depend on the policy)");
                    gen0.adopt(donor, g, policySpec);
                } else {
                    console.accept(where + ": " + (Files.exists(g) ? "continuing" : "starting"));
                }
                generation(new Cell(policy, seed, cell, real, synthetic, eligible), t, g);
                budget--;
            }
            if (t < cfg.generations() - 1 && !hasSyntheticScores(g)) {
                extend(new Cell(policy, seed, cell, real, synthetic, eligible), t, g);
            }
            if (t < cfg.generations() - 1) {
                BlockFile s =
                        openSynthetic(
                                new Cell(policy, seed, cell, real, synthetic, eligible), t, g);
                if (s.maxId() >= data.tokenizer().idLimit()) {
                    throw new UserInputException(
                            s.path()
                                    + ": holds token id "
                                    + s.maxId()
                                    + ", outside the tokenizer's "
                                    + data.tokenizer().idLimit()
                                    + " ids (written by another tool?); delete it to make it again");
                }
                synthetic.add(s);
                eligible.add(
                        policy instanceof MixingPolicy.Curated c
                                ? MixingPolicy.Curated.curate(
                                        PerSamplePpl.read(g.resolve("eval.json")).get("synthetic"),
                                        c.quantile())
                                : StudyData.range(0, s.count()));
            }
        }
        retention.retain(cell, seed, true);
    }

    /**
     * A (policy, seed) cell as its generations see it: its directory, the real pool (D0 then the
     * fresh real blocks), and S_1..S_t with the indices of each that the policy may draw.
     */
    private record Cell(
            MixingPolicy policy,
            long seed,
            Path dir,
            BlockSource real,
            List<BlockSource> synthetic,
            List<int[]> eligible) {
        String spec() {
            return policy.spec();
        }
    }

    private void generation(Cell c, int t, Path g) {
        String spec = c.spec();
        long seed = c.seed();
        Path cell = c.dir();
        Path modelDir = g.resolve("model");
        boolean last = t == cfg.generations() - 1;
        try (LanguageModel model =
                Files.isDirectory(modelDir)
                        ? LanguageModel.load(modelDir, device)
                        : train(c, t, g)) {
            double[] syntheticPpl = null;
            if (!last) {
                BlockFile s = synthesize(model, c, t, g);
                if (!Files.exists(g.resolve("eval.json"))) { // else its scores are in there
                    syntheticPpl = scoreUnderGen0(model, c, t, s);
                }
            }
            Path evalJson = g.resolve("eval.json");
            List<MetricsRow> rows;
            if (Files.exists(evalJson)) {
                rows = MetricsRepair.rows(evalJson);
            } else {
                CrashPoint.here("eval");
                List<Continuation> texts = new ArrayList<>();
                rows = GenerationEval.rows(cfg, data, model, spec, seed, t, syntheticPpl, texts);
                Continuation.write(g.resolve(Continuation.FILE), texts); // before eval.json
                ObjectNode e = JSON.createObjectNode();
                e.put("policy", spec).put("seed", seed).put("generation", t);
                ArrayNode a = e.putArray("rows");
                for (MetricsRow r : rows) {
                    a.add(readTree(MetricsLog.toJson(r)));
                }
                if (syntheticPpl != null) {
                    PerSamplePpl.put(e, Map.of("synthetic", syntheticPpl));
                }
                write(evalJson, e.toPrettyString());
            }
            appendMissing(rows);
            console.accept(
                    String.format(
                            "policy=%s seed=%d gen=%d: test ppl_blocks%d %.3f",
                            spec,
                            seed,
                            t,
                            cfg.data().blockSize(),
                            rows.get(0).metrics().get("ppl_blocks" + cfg.data().blockSize())));
        }
        RunDir.markDone(g, "{\"generation\": " + t + "}\n");
        retention.retain(cell, seed, false);
        if (t == 0) {
            Path donor = gen0.adoptedFrom(g);
            if (donor
                    != null) { // the donor may have kept its generation-0 model only for this cell
                Path donorCell = donor.getParent();
                retention.retain(
                        donorCell, seed, RunDir.done(RunDir.gen(donorCell, cfg.generations() - 1)));
            }
        }
    }

    /**
     * S_{t+1}: generation t's continuation of every real training block (resumable); a corrupt
     * partial or whole set is made again ({@link #recompute}).
     */
    private BlockFile synthesize(LanguageModel model, Cell c, int t, Path g) {
        try {
            return synthesizeTo(model, c, t, g.resolve("synthetic.bin"));
        } catch (CorruptBlockFileException e) {
            return recompute(c, t, g, model, e);
        }
    }

    private BlockFile synthesizeTo(LanguageModel model, Cell c, int t, Path out) {
        return Synthesizer.make(
                model,
                data.tokenizer(),
                data.train(),
                cfg.generate(),
                Seeds.synthesis(c.seed(), t),
                out,
                "gen " + t + " synthesize");
    }

    /** Generation t's finished synthetic set, recomputed if it is corrupt or missing. */
    private BlockFile openSynthetic(Cell c, int t, Path g) {
        Path file = g.resolve("synthetic.bin");
        if (!Files.exists(file)) {
            return recompute(c, t, g, null, null);
        }
        try {
            return BlockFile.open(file, data.tokenizer().sha256(), cfg.data().blockSize());
        } catch (CorruptBlockFileException e) {
            return recompute(c, t, g, null, e);
        }
    }

    /**
     * Makes generation t's synthetic set again after it failed its checksum ({@code corrupt}) or
     * went missing (null). Synthesis is a pure function of generation t's model, D0 and the
     * synthesis seed, so the set is the one the later generations trained on, which the checksum
     * its header still holds confirms (a set that comes out different is refused: decoding was not
     * reproducible here). Made in {@code synthetic.recompute/} and renamed into place; refused in
     * one line when the model was not kept.
     *
     * @param model generation t's model when it is loaded, else null (read from {@code g/model})
     */
    private BlockFile recompute(
            Cell c, int t, Path g, LanguageModel model, CorruptBlockFileException corrupt) {
        Path file = g.resolve("synthetic.bin");
        String rel = dir.root().relativize(file).toString().replace('\\', '/');
        String gen = g.getFileName().toString();
        String what = corrupt == null ? " is missing" : " failed its checksum";
        Path modelDir = g.resolve("model");
        if (model == null && !Files.isDirectory(modelDir)) {
            throw new UserInputException(
                    rel
                            + what
                            + ", and it cannot be recomputed: "
                            + gen
                            + "'s model was not kept (keep: "
                            + ConfigWords.word(cfg.keep())
                            + "); run the cell again (delete "
                            + dir.root().relativize(c.dir()).toString().replace('\\', '/')
                            + ")");
        }
        Integer expected = null; // the checksum of the committed ids, if the header is whole
        long expectedCount = 0;
        if (corrupt != null) {
            try {
                BlockFile.Header h = BlockFile.readHeader(file);
                expected = h.payloadCrc32c();
                expectedCount = h.count();
            } catch (UserInputException headerToo) {
                // nothing to compare with
            }
        }
        console.accept(rel + what + ": recomputing from " + gen + "'s model");
        Path tmp = g.resolve("synthetic.recompute");
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            BlockFile made;
            try (LanguageModel own = model == null ? LanguageModel.load(modelDir, device) : null) {
                made =
                        synthesizeTo(
                                model == null ? own : model, c, t, tmp.resolve("synthetic.bin"));
            }
            if (expected != null
                    && expectedCount <= made.count()
                    && BlockFile.payloadCrc32c(made, (int) expectedCount) != expected) {
                throw new UserInputException(
                        rel
                                + " failed its checksum, and recomputing it from "
                                + gen
                                + "'s model gave other blocks: decoding is not reproducible here"
                                + " (another device or precision?), so the generations trained on"
                                + " it cannot be continued; run the cell again (delete "
                                + dir.root().relativize(c.dir()).toString().replace('\\', '/')
                                + ")");
            }
            Files.move(
                    tmp.resolve("synthetic.jsonl.gz"),
                    g.resolve("synthetic.jsonl.gz"),
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            Files.move(
                    tmp.resolve("synthetic.bin"),
                    file,
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            deleteTree(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return BlockFile.open(file, data.tokenizer().sha256(), cfg.data().blockSize());
    }

    /** Per-sample perplexities of {@code s} under the generation-0 model (Shumailov Fig. 1). */
    private double[] scoreUnderGen0(LanguageModel model, Cell c, int t, BlockFile s) {
        try (LanguageModel gen0 = t == 0 ? null : LanguageModel.load(gen0Model(c), device)) {
            return GenerationEval.perSamplePpl(t == 0 ? model : gen0, s, cfg.eval().batchSize());
        }
    }

    private static Path gen0Model(Cell c) {
        return RunDir.gen(c.dir(), 0).resolve("model");
    }

    /** Whether a DONE generation's eval.json holds the scores of the synthetic set it made. */
    private static boolean hasSyntheticScores(Path g) {
        return PerSamplePpl.read(g.resolve("eval.json")).containsKey("synthetic");
    }

    /**
     * A study extended to more generations: generation t was the last one of the shorter study, so
     * it made no synthetic set. Make S_{t+1} now, exactly as the longer study would have (same
     * model, same synthesis seed), score it under generation 0, and add the synthetic row to
     * eval.json (atomically, with the scores) and metrics.jsonl. A kill anywhere resumes: synthesis
     * continues its batches, and eval.json changes only once, last.
     */
    private void extend(Cell c, int t, Path g) {
        String where = "policy=" + c.spec() + " seed=" + c.seed() + " gen=" + t;
        Path modelDir = g.resolve("model");
        if (!Files.isDirectory(modelDir) || (t > 0 && !Files.isDirectory(gen0Model(c)))) {
            throw new UserInputException(
                    dir.root()
                            + ": cannot extend "
                            + where
                            + " to more generations: "
                            + (Files.isDirectory(modelDir) ? "generation 0's" : "its")
                            + " model was not kept (keep: "
                            + ConfigWords.word(cfg.keep())
                            + ")");
        }
        console.accept(where + ": extending the study (synthetic set S_" + (t + 1) + ")");
        try (LanguageModel model = LanguageModel.load(modelDir, device)) {
            double[] scores = scoreUnderGen0(model, c, t, synthesize(model, c, t, g));
            Path evalJson = g.resolve("eval.json");
            ObjectNode e;
            try {
                e = (ObjectNode) JSON.readTree(evalJson.toFile());
            } catch (IOException ex) {
                throw new UserInputException(evalJson + ": unreadable (" + ex.getMessage() + ")");
            }
            MetricsRow row = GenerationEval.syntheticRow(c.spec(), c.seed(), t, scores);
            ((ArrayNode) e.withArray("rows")).add(readTree(MetricsLog.toJson(row)));
            PerSamplePpl.put(e, Map.of("synthetic", scores));
            write(evalJson, e.toPrettyString());
            appendMissing(MetricsRepair.rows(evalJson));
        }
    }

    /**
     * Trains generation t and saves its best epoch to model/ (renamed into place, so model/ is
     * always whole).
     */
    private LanguageModel train(Cell c, int t, Path g) {
        MixingPolicy policy = c.policy();
        long seed = c.seed();
        BlockSource real = c.real();
        BlockSource set;
        if (t == 0) {
            set = data.train();
        } else {
            int n = data.train().count();
            Pools pools =
                    new Pools(
                            StudyData.range(0, n), StudyData.range(n, real.count()), c.eligible());
            List<Pick> picks =
                    policy.select(
                            pools,
                            RandomGeneratorFactory.of("L64X128MixRandom")
                                    .create(Seeds.policy(seed, t)));
            List<BlockSource> sources = new ArrayList<>();
            sources.add(real);
            sources.addAll(c.synthetic());
            int[] offsets = new int[sources.size()];
            for (int i = 1; i < offsets.length; i++) {
                offsets[i] = offsets[i - 1] + sources.get(i - 1).count();
            }
            int[] idx = picks.stream().mapToInt(p -> offsets[p.source()] + p.index()).toArray();
            set = BlockSource.concat(sources).select(idx);
        }
        LanguageModel model = initialModel(seed, t, c.dir());
        try {
            console.accept(
                    String.format(
                            "policy=%s seed=%d gen=%d: training on %d blocks (%s)",
                            c.spec(), seed, t, set.count(), t == 0 ? "D0" : policy.spec()));
            new Trainer(cfg.training(), Seeds.train(seed, t), model, set, data.validation(), g)
                    .console(console)
                    .run();
            Path tmp = g.resolve("model.tmp");
            deleteTree(tmp);
            model.save(tmp);
            data.tokenizer().save(tmp);
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

    private LanguageModel initialModel(long seed, int t, Path cell) {
        ModelConfig m = cfg.model();
        java.util.function.UnaryOperator<OptConfig> drop = m::withDropoutOverrides;
        boolean fromBase =
                cfg.init() == Init.BASE || (cfg.init() == Init.PREVIOUS && t == 0 && m.hasBase());
        if (fromBase) {
            return LanguageModel.load(Path.of(m.base()), device, drop)
                    .requireVocabulary(data.tokenizer(), data.tokenizerDir().toString());
        }
        if (cfg.init() == Init.PREVIOUS && t > 0) {
            return LanguageModel.load(RunDir.gen(cell, t - 1).resolve("model"), device, drop);
        }
        return LanguageModel.random(
                m.randomInit(data.tokenizer().idLimit()), Seeds.train(seed, t), device);
    }

    private void appendMissing(List<MetricsRow> rows) {
        Set<String> have = new HashSet<>();
        if (Files.exists(dir.metrics())) {
            for (MetricsRow r : MetricsLog.read(dir.metrics()).rows()) {
                have.add(rowKey(r));
            }
        }
        for (MetricsRow r : rows) {
            if (!have.contains(rowKey(r))) {
                MetricsLog.append(dir.metrics(), r);
            }
        }
    }

    /** One row per (policy, seed, generation, split). */
    static String rowKey(MetricsRow r) {
        return r.policy() + "|" + r.seed() + "|" + r.generation() + "|" + r.split();
    }

    private static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(Path file, String text) {
        AtomicFile.write(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
