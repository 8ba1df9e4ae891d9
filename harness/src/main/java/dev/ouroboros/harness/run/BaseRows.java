package dev.ouroboros.harness.run;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.harness.config.Init;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.policy.MixingPolicy;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.io.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * The base rows of a study that fine-tunes a base ({@code init: base}): the base model itself
 * scored once on the study's own test subset and diversity prompts, as every generation is, before
 * any training; its rows have {@code "generation": -1} ({@link MetricsRow#BASE}) and are written
 * for every (policy, seed), so each cell's curve starts at the base.
 *
 * <p>Under {@code data.subset_seed: study} every seed shares one test subset and one evaluation (in
 * {@code base/}, computed with the first seed's evaluation stream); under {@code seed} each seed
 * has its own ({@code base/seed=S/}). Each holds {@code continuations.jsonl}, {@code eval.json}
 * (the rows of every cell it stands for) and {@code DONE}, written last; a study resumed after a
 * kill scores the base again only when DONE is missing.
 */
final class BaseRows {
    static final String DIR = "base";
    private static final ObjectMapper JSON = new ObjectMapper();

    private BaseRows() {}

    /** Whether {@code cfg} has base rows. */
    static boolean apply(RunConfig cfg) {
        return cfg.kind() == RunConfig.Kind.LM && cfg.init() == Init.BASE && cfg.model().hasBase();
    }

    /** Scores the base where not done yet, and appends the rows missing from metrics.jsonl. */
    static void ensure(
            RunConfig cfg,
            Path root,
            LongFunction<StudyData> data,
            Device device,
            Consumer<String> console) {
        for (long dataSeed : dataSeeds(cfg)) {
            Path d = dir(cfg, root, dataSeed);
            if (!RunDir.done(d)) {
                console.accept(
                        "base "
                                + cfg.model().base()
                                + ": scoring it on the study's test subset and prompts"
                                + (perSeed(cfg) ? " (seed " + dataSeed + ")" : ""));
                evaluate(cfg, d, data.apply(dataSeed), dataSeed, device);
            }
            DoneRecord.requireEvalJson(d); // the rows are read back from it
            MetricsFile.appendMissing(
                    root.resolve(MetricsLog.FILE), MetricsRepair.rows(d.resolve("eval.json")));
        }
    }

    /** The eval.json of every DONE base evaluation (for {@link MetricsRepair}). */
    static List<Path> doneEvalFiles(RunConfig cfg, Path root) {
        List<Path> out = new ArrayList<>();
        if (!apply(cfg)) {
            return out;
        }
        for (long dataSeed : dataSeeds(cfg)) {
            Path d = dir(cfg, root, dataSeed);
            if (RunDir.done(d) && Files.isRegularFile(d.resolve("eval.json"))) {
                out.add(d.resolve("eval.json"));
            }
        }
        return out;
    }

    private static boolean perSeed(RunConfig cfg) {
        return cfg.data().subsetSeed() == RunConfig.Data.SubsetSeed.SEED;
    }

    private static List<Long> dataSeeds(RunConfig cfg) {
        return perSeed(cfg) ? cfg.seeds() : List.of(cfg.seeds().get(0));
    }

    static Path dir(RunConfig cfg, Path root, long dataSeed) {
        Path base = root.resolve(DIR);
        return perSeed(cfg) ? base.resolve("seed=" + dataSeed) : base;
    }

    private static void evaluate(
            RunConfig cfg, Path d, StudyData data, long dataSeed, Device device) {
        List<Continuation> texts = new ArrayList<>();
        List<MetricsRow> rows;
        try (LanguageModel model = LanguageModel.load(Path.of(cfg.model().base()), device)) {
            rows =
                    GenerationEval.rows(
                            cfg,
                            data,
                            model,
                            cfg.policies().get(0).spec(),
                            dataSeed,
                            MetricsRow.BASE,
                            null,
                            Double.NaN,
                            texts);
        }
        try {
            Files.createDirectories(d);
            Continuation.write(d.resolve(Continuation.FILE), texts);
            ObjectNode e = JSON.createObjectNode();
            e.put("generation", MetricsRow.BASE).put("base", cfg.model().base());
            e.put("data_seed", dataSeed);
            ArrayNode a = e.putArray("rows");
            for (MixingPolicy policy : cfg.policies()) {
                for (long seed : perSeed(cfg) ? List.of(dataSeed) : cfg.seeds()) {
                    for (MetricsRow r : rows) {
                        a.add(JSON.readTree(MetricsLog.toJson(relabel(r, policy.spec(), seed))));
                    }
                }
            }
            AtomicFile.write(
                    d.resolve("eval.json"), e.toPrettyString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
        DoneRecord.write(d, MetricsRow.BASE); // last, with the digest of eval.json
    }

    private static MetricsRow relabel(MetricsRow r, String policy, long seed) {
        return new MetricsRow(
                r.schema(),
                policy,
                (int) seed,
                r.generation(),
                r.split(),
                r.metrics(),
                r.raw(),
                r.time());
    }
}
