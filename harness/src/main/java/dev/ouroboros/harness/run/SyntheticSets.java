package dev.ouroboros.harness.run;

import static dev.ouroboros.models.io.FileTrees.deleteTree;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.datasets.BlockFile;
import dev.ouroboros.datasets.CorruptBlockFileException;
import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.eval.report.PerSamplePpl;
import dev.ouroboros.harness.config.ConfigWords;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The synthetic sets of a study: S_{t+1} made by generation t ({@code gen=t/synthetic.bin},
 * resumable batch by batch), scored under the cell's generation-0 model, opened for the later
 * generations, recomputed when corrupt or missing, and made afterwards for a study extended to more
 * generations.
 */
final class SyntheticSets {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String FILE = "synthetic.bin";

    private final RunConfig cfg;
    private final StudyData data;
    private final Path root;
    private final Device device;
    private final Consumer<String> console;
    private final java.util.function.ObjIntConsumer<Cell> trust;

    /**
     * @param trust checks (or trains again) a DONE generation's kept model before it is loaded
     */
    SyntheticSets(
            RunConfig cfg,
            StudyData data,
            Path root,
            Device device,
            Consumer<String> console,
            java.util.function.ObjIntConsumer<Cell> trust) {
        this.trust = trust;
        this.cfg = cfg;
        this.data = data;
        this.root = root;
        this.device = device;
        this.console = console;
    }

    /**
     * S_{t+1}: generation t's continuation of every real training block (resumable); a corrupt
     * partial or whole set is made again ({@link #recompute}).
     */
    BlockFile make(LanguageModel model, Cell c, int t) {
        try {
            return makeAt(model, c, t, c.gen(t).resolve(FILE));
        } catch (CorruptBlockFileException e) {
            return recompute(c, t, model, e);
        }
    }

    private BlockFile makeAt(LanguageModel model, Cell c, int t, Path out) {
        return Synthesizer.make(
                model,
                data.tokenizer(),
                data.train(),
                cfg.generate(),
                Seeds.synthesis(c.seed(), t),
                out,
                "gen " + t + " synthesize");
    }

    /**
     * Generation t's finished synthetic set, recomputed if it is corrupt or missing; refused when
     * it holds ids outside the tokenizer's.
     */
    BlockFile open(Cell c, int t) {
        Path file = c.gen(t).resolve(FILE);
        BlockFile s;
        if (!Files.exists(file)) {
            s = recompute(c, t, null, null);
        } else {
            try {
                s = BlockFile.open(file, data.tokenizer().sha256(), cfg.data().blockSize());
            } catch (CorruptBlockFileException e) {
                s = recompute(c, t, null, e);
            }
        }
        if (s.maxId() >= data.tokenizer().idLimit()) {
            throw new UserInputException(
                    s.path()
                            + ": holds token id "
                            + s.maxId()
                            + ", outside the tokenizer's "
                            + data.tokenizer().idLimit()
                            + " ids (written by another tool?); delete it to make it again");
        }
        return s;
    }

    /** Per-sample perplexities of {@code s} under the generation-0 model (Shumailov Fig. 1). */
    double[] scoreUnderGen0(LanguageModel model, Cell c, int t, BlockFile s) {
        if (t > 0) {
            trust.accept(c, 0);
        }
        try (LanguageModel gen0 = t == 0 ? null : LanguageModel.load(gen0Model(c), device)) {
            return GenerationEval.perSamplePpl(t == 0 ? model : gen0, s, cfg.eval().batchSize());
        }
    }

    /** Whether a DONE generation's eval.json holds the scores of the synthetic set it made. */
    static boolean hasScores(Path g) {
        return PerSamplePpl.read(g.resolve("eval.json")).containsKey("synthetic");
    }

    private static Path gen0Model(Cell c) {
        return c.gen(0).resolve("model");
    }

    /**
     * A study extended to more generations: generation t was the last one of the shorter study, so
     * it made no synthetic set. Make S_{t+1} now, exactly as the longer study would have (same
     * model, same synthesis seed), score it under generation 0, and add the synthetic row to
     * eval.json (atomically, with the scores) and metrics.jsonl. A kill anywhere resumes: synthesis
     * continues its batches, and eval.json changes only once, last.
     */
    void extend(Cell c, int t) {
        Path g = c.gen(t);
        Path modelDir = g.resolve("model");
        if (!Files.isDirectory(modelDir) || (t > 0 && !Files.isDirectory(gen0Model(c)))) {
            throw new UserInputException(
                    root
                            + ": cannot extend "
                            + c.where(t)
                            + " to more generations: "
                            + (Files.isDirectory(modelDir) ? "generation 0's" : "its")
                            + " model was not kept (keep: "
                            + ConfigWords.word(cfg.keep())
                            + ")");
        }
        trust.accept(c, t);
        console.accept(c.where(t) + ": extending the study (synthetic set S_" + (t + 1) + ")");
        try (LanguageModel model = LanguageModel.load(modelDir, device)) {
            BlockFile s = make(model, c, t);
            double[] scores = scoreUnderGen0(model, c, t, s);
            Path evalJson = g.resolve("eval.json");
            ObjectNode e;
            try {
                e = (ObjectNode) JSON.readTree(evalJson.toFile());
            } catch (IOException ex) {
                throw new UserInputException(evalJson + ": unreadable (" + ex.getMessage() + ")");
            }
            MetricsRow row =
                    GenerationEval.syntheticRow(
                            c.spec(),
                            c.seed(),
                            t,
                            scores,
                            DegenerateBlocks.share(s, data.tokenizer()));
            ((ArrayNode) e.withArray("rows")).add(JSON.readTree(MetricsLog.toJson(row)));
            PerSamplePpl.put(e, Map.of("synthetic", scores));
            byte[] bytes = e.toPrettyString().getBytes(StandardCharsets.UTF_8);
            DoneRecord.replaceEvalJson(g, bytes, () -> AtomicFile.write(evalJson, bytes));
            MetricsFile.appendMissing(root.resolve(MetricsLog.FILE), MetricsRepair.rows(evalJson));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
            Cell c, int t, LanguageModel model, CorruptBlockFileException corrupt) {
        Path g = c.gen(t);
        Path file = g.resolve(FILE);
        String rel = relative(file);
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
                            + relative(c.dir())
                            + ")");
        }
        if (model == null) {
            trust.accept(c, t);
        }
        BlockFile.Header expected = corrupt == null ? null : header(file);
        console.accept(rel + what + ": recomputing from " + gen + "'s model");
        Path tmp = g.resolve("synthetic.recompute");
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            BlockFile made;
            try (LanguageModel own = model == null ? LanguageModel.load(modelDir, device) : null) {
                made = makeAt(model == null ? own : model, c, t, tmp.resolve(FILE));
            }
            if (expected != null
                    && expected.count() <= made.count()
                    && BlockFile.payloadCrc32c(made, (int) expected.count())
                            != expected.payloadCrc32c()) {
                throw new UserInputException(
                        rel
                                + " failed its checksum, and recomputing it from "
                                + gen
                                + "'s model gave other blocks: decoding is not reproducible here"
                                + " (another device or precision?), so the generations trained on"
                                + " it cannot be continued; run the cell again (delete "
                                + relative(c.dir())
                                + ")");
            }
            move(tmp.resolve("synthetic.jsonl.gz"), g.resolve("synthetic.jsonl.gz"));
            move(tmp.resolve(FILE), file);
            deleteTree(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return BlockFile.open(file, data.tokenizer().sha256(), cfg.data().blockSize());
    }

    /**
     * The header of a corrupt set (the checksum of its committed ids), or null if it is torn too.
     */
    private static BlockFile.Header header(Path file) {
        try {
            return BlockFile.readHeader(file);
        } catch (UserInputException headerToo) {
            return null; // nothing to compare with
        }
    }

    private String relative(Path p) {
        return root.relativize(p).toString().replace('\\', '/');
    }

    private static void move(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
