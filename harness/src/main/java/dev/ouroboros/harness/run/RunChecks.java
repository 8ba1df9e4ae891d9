package dev.ouroboros.harness.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.harness.config.ConfigWords;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.policy.MixingPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code ouro verify} checks across the files of a run directory, beyond each file alone: the
 * manifest against config.resolved.yaml, the checksums each DONE marker records, every generation
 * that the record says is done still present, and metrics.jsonl against the eval.json of each DONE
 * generation. Each method returns its failures, one line each naming the file.
 */
public final class RunChecks {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunChecks() {}

    /**
     * manifest.json against {@code cfg} (read from config.resolved.yaml): the config hash, and the
     * keys derived from the config (precision, init, the derived seeds).
     */
    public static List<String> manifest(Path runDir, RunConfig cfg) {
        Path file = runDir.resolve("manifest.json");
        List<String> out = new ArrayList<>();
        JsonNode m;
        try {
            m = JSON.readTree(file.toFile());
        } catch (IOException e) {
            return List.of(file + ": unreadable (" + e.getMessage() + ")");
        }
        if (m == null || !m.isObject()) {
            return List.of(file + ": not a JSON object");
        }
        String hash = m.path("config_hash").asText();
        if (!hash.equals(cfg.hash())) {
            out.add(
                    file
                            + ": config_hash "
                            + hash
                            + " is not the hash of config.resolved.yaml ("
                            + cfg.hash()
                            + "): one of the two was changed");
        }
        differs(out, file, m, "precision", ConfigWords.word(cfg.precision()));
        differs(out, file, m, "init", ConfigWords.word(cfg.init()));
        for (long seed : cfg.seeds()) {
            JsonNode had = m.path("derived_seeds").path(String.valueOf(seed));
            for (int t = 0; t < cfg.generations(); t++) {
                JsonNode g = had.path(t);
                if (g.path("train").asLong() != Seeds.train(seed, t)
                        || g.path("policy").asLong() != Seeds.policy(seed, t)
                        || g.path("synthesis").asLong() != Seeds.synthesis(seed, t)
                        || g.path("eval").asLong() != Seeds.eval(seed, t)) {
                    out.add(
                            file
                                    + ": derived_seeds of seed "
                                    + seed
                                    + " generation "
                                    + t
                                    + " are not those the config derives");
                    break;
                }
            }
        }
        return out;
    }

    private static void differs(List<String> out, Path file, JsonNode m, String key, String want) {
        String had = m.path(key).asText();
        if (!had.equals(want)) {
            out.add(
                    file
                            + ": "
                            + key
                            + " is '"
                            + had
                            + "', config.resolved.yaml says '"
                            + want
                            + "': one of the two was changed");
        }
    }

    /**
     * Every generation directory the record says is done and that is missing (or lost its DONE):
     * one earlier than a DONE generation of its cell, or one whose rows metrics.jsonl holds. One
     * line per cell.
     */
    public static List<String> generations(Path runDir, RunConfig cfg, List<MetricsRow> rows) {
        if (cfg.kind() == RunConfig.Kind.GAUSSIAN) {
            return List.of(); // the testbed writes rows only
        }
        Set<String> withRows = new HashSet<>();
        for (MetricsRow r : rows) {
            withRows.add(r.policy() + "|" + r.seed() + "|" + r.generation());
        }
        List<String> out = new ArrayList<>();
        for (MixingPolicy p : cfg.policies()) {
            for (long seed : cfg.seeds()) {
                Path cell = RunDir.cell(runDir, p.spec(), seed);
                int lastDone = -1;
                for (int t = 0; t < cfg.generations(); t++) {
                    lastDone = RunDir.done(RunDir.gen(cell, t)) ? t : lastDone;
                }
                List<String> missing = new ArrayList<>();
                for (int t = 0; t < cfg.generations(); t++) {
                    Path g = RunDir.gen(cell, t);
                    boolean said =
                            t < lastDone || withRows.contains(p.spec() + "|" + seed + "|" + t);
                    if (said && !Files.isDirectory(g)) {
                        missing.add(g.getFileName() + " (missing)");
                    } else if (t < lastDone && !RunDir.done(g)) {
                        missing.add(g.getFileName() + " (no DONE)");
                    }
                }
                if (!missing.isEmpty()) {
                    out.add(
                            cell
                                    + ": "
                                    + String.join(", ", missing)
                                    + ", though "
                                    + (lastDone >= 0
                                            ? "gen=" + String.format("%03d", lastDone) + " is DONE"
                                            : "metrics.jsonl holds its rows")
                                    + "; a resume computes it again");
                }
            }
        }
        return out;
    }

    /**
     * DONE generation {@code g}: its recorded files that no longer match, and (when its eval.json
     * matches) every row of metrics.jsonl ({@code lines}: key → line number and row) that differs
     * from eval.json (also when its DONE predates checksums: then {@code legacy[0]} counts it).
     */
    static List<String> done(Path g, Path metrics, Map<String, Numbered> lines, int[] legacy) {
        DoneRecord r = DoneRecord.read(g);
        List<String> out = new ArrayList<>(r.mismatches(g));
        Path evalJson = g.resolve(DoneRecord.EVAL_JSON);
        if (Files.isRegularFile(evalJson)
                && out.stream().noneMatch(s -> s.startsWith(evalJson + ":"))) {
            for (MetricsRow e : MetricsRepair.rows(evalJson)) {
                Numbered n = lines.get(MetricsFile.rowKey(e));
                if (n != null
                        && !(n.row().metrics().equals(e.metrics())
                                && n.row().raw().equals(e.raw()))) {
                    out.add(
                            metrics
                                    + ":"
                                    + n.line()
                                    + ": differs from "
                                    + evalJson
                                    + ", which computed it");
                }
            }
        }
        if (!r.verifiable()) {
            legacy[0]++;
        }
        return out;
    }

    /** A row of metrics.jsonl and its line number. */
    record Numbered(int line, MetricsRow row) {}

    /**
     * The rows of metrics.jsonl by key, each with its line number; second copies of a key are named
     * in {@code copies} (a resume removes them).
     */
    static Map<String, Numbered> numbered(Path metrics, List<String> copies) throws IOException {
        Map<String, Numbered> out = new HashMap<>();
        if (!Files.exists(metrics)) {
            return out;
        }
        List<String> lines = Files.readAllLines(metrics, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            MetricsRow r;
            try {
                r = MetricsLog.parse(lines.get(i));
            } catch (IOException | IllegalArgumentException e) {
                continue; // named by MetricsLog.read
            }
            Numbered had = out.putIfAbsent(MetricsFile.rowKey(r), new Numbered(i + 1, r));
            if (had != null) {
                copies.add(
                        metrics
                                + ":"
                                + (i + 1)
                                + ": a second row for "
                                + MetricsFile.rowKey(r).replace('|', ' ')
                                + " (first on line "
                                + had.line()
                                + "); a resume removes an identical copy");
            }
        }
        return out;
    }

    /**
     * Every DONE generation directory of {@code runDir}: its failures, and how many predate
     * checksums ({@code legacy[0]}).
     */
    public static List<String> doneGenerations(Path runDir, int[] legacy) throws IOException {
        Path metrics = runDir.resolve(MetricsLog.FILE);
        List<String> out = new ArrayList<>();
        Map<String, Numbered> lines = numbered(metrics, out);
        List<Path> dones;
        try (var s = Files.walk(runDir)) {
            dones =
                    s.filter(f -> f.getFileName().toString().equals(RunDir.DONE))
                            .map(Path::getParent)
                            .filter(g -> g.getFileName().toString().startsWith("gen="))
                            .sorted()
                            .toList();
        }
        for (Path g : dones) {
            try {
                out.addAll(done(g, metrics, lines, legacy));
            } catch (RuntimeException e) {
                out.add(String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
            }
        }
        return out;
    }
}
