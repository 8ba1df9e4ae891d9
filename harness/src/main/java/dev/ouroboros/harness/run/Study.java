package dev.ouroboros.harness.run;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.datasets.BlockFile;
import dev.ouroboros.datasets.BlockSource;
import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.eval.report.PerSamplePpl;
import dev.ouroboros.harness.gaussian.GaussianTestbed;
import dev.ouroboros.harness.policy.MixingPolicy;
import dev.ouroboros.harness.policy.Pick;
import dev.ouroboros.harness.policy.Pools;
import dev.ouroboros.harness.train.CheckpointStore;
import dev.ouroboros.harness.train.Init;
import dev.ouroboros.harness.train.ModelConfig;
import dev.ouroboros.harness.train.Trainer;
import dev.ouroboros.models.CrashPoint;
import dev.ouroboros.models.Devices;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptConfig;
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
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.Stream;

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
 * first policy's cell of each seed and taken over by the others ({@link #ADOPTED}).
 */
public final class Study {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunConfig cfg;
    private final Consumer<String> console;
    private final Device device;
    private RunDir dir;
    private StudyData data;
    private int budget =
            Integer.MAX_VALUE; // generations this process may still finish (--fresh-jvm: 1)

    private Study(RunConfig cfg, Consumer<String> console) {
        this.cfg = cfg;
        this.console = console;
        this.device = Devices.parse(cfg.device());
        Trainer.checkPrecision(cfg.precision(), device);
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
            RunConfig cfg, List<String> overrides, Consumer<String> console, int maxGenerations) {
        Study s = new Study(cfg, console);
        s.budget = maxGenerations;
        try (RunDir d = RunDir.lock(cfg.runDir())) {
            s.dir = d;
            s.start(overrides);
            MetricsRepair.repair(cfg, d.root(), console);
            if (cfg.kind() == RunConfig.Kind.GAUSSIAN) {
                s.gaussian();
                console.accept("run complete: " + d.root() + " (ouro report " + d.root() + ")");
                return;
            }
            s.data = StudyData.prepare(cfg, d.data());
            if (cfg.randomInit()) { // check the shape before training
                cfg.model().randomInit(s.data.tokenizer().vocabSize());
            }
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
            return;
        }
        write(
                dir.root().resolve("config.resolved.yaml"),
                "# resolved by ouro; resume with: scripts/ouro resume "
                        + dir.root()
                        + "\n"
                        + cfg.toYaml());
        write(
                dir.root().resolve("overrides.txt"),
                String.join("\n", overrides) + (overrides.isEmpty() ? "" : "\n"));
        ObjectNode m = Manifest.describe(cfg, device);
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
        write(manifest, m.toPrettyString());
        console.accept("new run " + dir.root());
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
                Path donor = t == 0 ? gen0Donor(policySpec, seed, g) : null;
                if (donor != null) {
                    console.accept(
                            where
                                    + ": sharing "
                                    + dir.root().relativize(donor)
                                    + " (generation 0 does not depend on the policy)");
                    adopt(donor, g, policySpec);
                } else {
                    console.accept(where + ": " + (Files.exists(g) ? "continuing" : "starting"));
                }
                generation(policySpec, policy, seed, t, g, cell, real, synthetic, eligible);
                budget--;
            }
            if (t < cfg.generations() - 1) {
                BlockFile s =
                        BlockFile.open(
                                g.resolve("synthetic.bin"),
                                data.tokenizer().sha256(),
                                cfg.data().blockSize());
                synthetic.add(s);
                eligible.add(
                        policy instanceof MixingPolicy.Curated c
                                ? MixingPolicy.Curated.curate(
                                        PerSamplePpl.read(g.resolve("eval.json")).get("synthetic"),
                                        c.quantile())
                                : StudyData.range(0, s.count()));
            }
        }
        retain(cell, seed, true);
    }

    private void generation(
            String spec,
            MixingPolicy policy,
            long seed,
            int t,
            Path g,
            Path cell,
            BlockSource real,
            List<BlockSource> synthetic,
            List<int[]> eligible) {
        Path modelDir = g.resolve("model");
        boolean last = t == cfg.generations() - 1;
        try (LanguageModel model =
                Files.isDirectory(modelDir)
                        ? LanguageModel.load(modelDir, device)
                        : train(spec, policy, seed, t, g, cell, real, synthetic, eligible)) {
            double[] syntheticPpl = null;
            if (!last) {
                BlockFile s =
                        Synthesizer.make(
                                model,
                                data.tokenizer(),
                                data.train(),
                                cfg.generate(),
                                Seeds.synthesis(seed, t),
                                g.resolve("synthetic.bin"),
                                "gen " + t + " synthesize");
                if (!Files.exists(
                        g.resolve("eval.json"))) { // else its per-sample perplexities are in there
                    // already
                    try (LanguageModel gen0 =
                            t == 0
                                    ? null
                                    : LanguageModel.load(
                                            RunDir.gen(cell, 0).resolve("model"), device)) {
                        syntheticPpl =
                                GenerationEval.perSamplePpl(
                                        t == 0 ? model : gen0, s, cfg.eval().batchSize());
                    }
                }
            }
            Path evalJson = g.resolve("eval.json");
            List<MetricsRow> rows;
            if (Files.exists(evalJson)) {
                rows = readRows(evalJson);
            } else {
                CrashPoint.here("eval");
                rows = GenerationEval.rows(cfg, data, model, spec, seed, t, syntheticPpl);
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
        retain(cell, seed, false);
        if (t == 0) {
            Path donor = adoptedFrom(g);
            if (donor
                    != null) { // the donor may have kept its generation-0 model only for this cell
                Path donorCell = donor.getParent();
                retain(donorCell, seed, RunDir.done(RunDir.gen(donorCell, cfg.generations() - 1)));
            }
        }
    }

    /**
     * Trains generation t and saves its best epoch to model/ (renamed into place, so model/ is
     * always whole).
     */
    private LanguageModel train(
            String spec,
            MixingPolicy policy,
            long seed,
            int t,
            Path g,
            Path cell,
            BlockSource real,
            List<BlockSource> synthetic,
            List<int[]> eligible) {
        BlockSource set;
        if (t == 0) {
            set = data.train();
        } else {
            int n = data.train().count();
            Pools pools =
                    new Pools(StudyData.range(0, n), StudyData.range(n, real.count()), eligible);
            List<Pick> picks =
                    policy.select(
                            pools,
                            RandomGeneratorFactory.of("L64X128MixRandom")
                                    .create(Seeds.policy(seed, t)));
            List<BlockSource> sources = new ArrayList<>();
            sources.add(real);
            sources.addAll(synthetic);
            int[] offsets = new int[sources.size()];
            for (int i = 1; i < offsets.length; i++) {
                offsets[i] = offsets[i - 1] + sources.get(i - 1).count();
            }
            int[] idx = picks.stream().mapToInt(p -> offsets[p.source()] + p.index()).toArray();
            set = BlockSource.concat(sources).select(idx);
        }
        LanguageModel model = initialModel(seed, t, cell);
        try {
            console.accept(
                    String.format(
                            "policy=%s seed=%d gen=%d: training on %d blocks (%s)",
                            spec, seed, t, set.count(), t == 0 ? "D0" : policy.spec()));
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
            return LanguageModel.load(Path.of(m.base()), device, drop);
        }
        if (cfg.init() == Init.PREVIOUS && t > 0) {
            return LanguageModel.load(RunDir.gen(cell, t - 1).resolve("model"), device, drop);
        }
        return LanguageModel.random(
                m.randomInit(data.tokenizer().vocabSize()), Seeds.train(seed, t), device);
    }

    /**
     * Marker in a generation-0 directory taken over from another policy's cell; it names the donor.
     */
    static final String ADOPTED = "ADOPTED";

    /**
     * Generation 0 does not depend on the policy (same seed, same D0, same initial model, same
     * synthesis seed), so a cell takes it over from another policy's cell with this seed when that
     * one is DONE and still has its model: the generation is computed once per seed, and every
     * policy starts from the very same model and S_1. Returns the donor's generation-0 directory,
     * or null (then the cell computes its own; also when it has already begun to).
     */
    private Path gen0Donor(String spec, long seed, Path g) {
        Path adopted = adoptedFrom(g);
        if (adopted != null) {
            return adopted; // resuming an interrupted take-over
        }
        if (Files.exists(g)) {
            return null; // this cell's own generation 0 is under way
        }
        for (MixingPolicy p : cfg.policies()) {
            String q = p.spec();
            Path d = RunDir.gen(RunDir.cell(dir.root(), q, seed), 0);
            if (!q.equals(spec) && RunDir.done(d) && Files.isDirectory(d.resolve("model"))) {
                return d;
            }
        }
        return null;
    }

    private Path adoptedFrom(Path g) {
        Path marker = g.resolve(ADOPTED);
        if (!Files.exists(marker)) {
            return null;
        }
        try {
            return dir.root().resolve(Files.readString(marker, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Takes generation 0 over from {@code donor}: the marker first, then hard links (copies where
     * the file system refuses) of train.jsonl, model/ (built as model.tmp, renamed), synthetic.bin
     * and synthetic.jsonl.gz, and eval.json with its rows relabelled to this policy. Each piece is
     * skipped when present, so a kill anywhere resumes; {@link #generation} then finds everything
     * done but DONE and metrics.jsonl.
     */
    private void adopt(Path donor, Path g, String spec) {
        try {
            Files.createDirectories(g);
            if (!Files.exists(g.resolve(ADOPTED))) {
                write(g.resolve(ADOPTED), dir.root().relativize(donor) + "\n");
            }
            for (String f : List.of("train.jsonl", "synthetic.bin", "synthetic.jsonl.gz")) {
                if (Files.exists(donor.resolve(f)) && !Files.exists(g.resolve(f))) {
                    Path tmp = g.resolve(f + ".tmp");
                    Files.deleteIfExists(tmp);
                    link(donor.resolve(f), tmp);
                    Files.move(tmp, g.resolve(f), StandardCopyOption.ATOMIC_MOVE);
                }
            }
            if (!Files.isDirectory(g.resolve("model"))) {
                Path tmp = g.resolve("model.tmp");
                deleteTree(tmp);
                Files.createDirectories(tmp);
                try (Stream<Path> files = Files.list(donor.resolve("model"))) {
                    for (Path f : files.toList()) {
                        link(f, tmp.resolve(f.getFileName().toString()));
                    }
                }
                Files.move(tmp, g.resolve("model"), StandardCopyOption.ATOMIC_MOVE);
            }
            CrashPoint.here("adopt");
            if (!Files.exists(g.resolve("eval.json"))) {
                ObjectNode e = (ObjectNode) JSON.readTree(donor.resolve("eval.json").toFile());
                e.put("policy", spec);
                for (JsonNode row : e.path("rows")) {
                    ((ObjectNode) row).put("policy", spec);
                }
                write(g.resolve("eval.json"), e.toPrettyString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void link(Path from, Path to) throws IOException {
        try {
            Files.createLink(to, from);
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    /**
     * Whether some policy's cell with this seed has not finished (or taken over) its generation 0
     * yet.
     */
    private boolean gen0Wanted(long seed) {
        for (MixingPolicy q : cfg.policies()) {
            if (!RunDir.done(RunDir.gen(RunDir.cell(dir.root(), q.spec(), seed), 0))) {
                return true;
            }
        }
        return false;
    }

    /**
     * keep: last → only the newest generation's model (and generation 0's while the cell runs, or
     * while another policy's cell with this seed has yet to share it); none-but-metrics → none.
     */
    private void retain(Path cell, long seed, boolean cellDone) {
        if (cfg.keep() == RunConfig.Keep.ALL) {
            return;
        }
        try (Stream<Path> gens = Files.list(cell)) {
            List<Path> done = gens.filter(RunDir::done).sorted().toList();
            for (int i = 0; i < done.size(); i++) {
                boolean newest = i == done.size() - 1;
                boolean gen0Needed = i == 0 && (!cellDone || gen0Wanted(seed));
                boolean keep =
                        cfg.keep() == RunConfig.Keep.LAST
                                ? newest || gen0Needed
                                : gen0Needed || (!cellDone && newest);
                if (!keep) {
                    deleteTree(done.get(i).resolve("model"));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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

    private static List<MetricsRow> readRows(Path evalJson) {
        try {
            List<MetricsRow> rows = new ArrayList<>();
            for (JsonNode r : JSON.readTree(evalJson.toFile()).path("rows")) {
                rows.add(MetricsLog.parse(r.toString()));
            }
            return rows;
        } catch (IOException e) {
            throw new UserInputException(evalJson + ": unreadable (" + e.getMessage() + ")");
        }
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

    static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
