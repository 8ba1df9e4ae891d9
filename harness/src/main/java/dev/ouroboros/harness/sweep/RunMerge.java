package dev.ouroboros.harness.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of several run directories as one metrics.jsonl: what {@code ouro report A B … --out M}
 * writes into M (with {@code merge.json} naming the runs, so that {@code ouro report M} merges them
 * again), and what a sweep or a folder of runs merges into its own metrics.jsonl.
 *
 * <p>Rows keep the order of the runs given (so the first run's first policy is the report's default
 * baseline) and are deduplicated by (policy, seed, generation, split), the later row winning. A
 * sweep or folder given among the runs stands for its points. Two runs that both hold a (policy,
 * seed) are refused, in one line naming both, unless they are clearly one run: the same directory,
 * or copies of one run (their manifest.json agree on {@code config_hash} and {@code created}, which
 * a resume or an extension keeps).
 */
public final class RunMerge {
    /** Marks a directory made by merging run directories; lists them. */
    public static final String MARKER = "merge.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private RunMerge() {}

    /** Whether {@code dir} was made by {@link #merge(List, Path)}. */
    public static boolean isMerge(Path dir) {
        return Files.isRegularFile(dir.resolve(MARKER));
    }

    /** The run directories {@code dir/merge.json} names, in order. */
    public static List<Path> runs(Path dir) {
        Path marker = dir.resolve(MARKER);
        try {
            JsonNode runs = JSON.readTree(marker.toFile()).path("runs");
            if (!runs.isArray() || runs.isEmpty()) {
                throw new UserInputException(marker + ": no \"runs\" list");
            }
            List<Path> out = new ArrayList<>();
            runs.forEach(r -> out.add(Path.of(r.asText())));
            return out;
        } catch (IOException e) {
            throw new UserInputException(marker + ": unreadable (" + e.getMessage() + ")");
        }
    }

    /**
     * Rewrites {@code into/metrics.jsonl} from {@code runDirs} (run directories, sweeps or folders
     * of runs) and {@code into/merge.json}; returns the number of rows.
     */
    public static int merge(List<Path> runDirs, Path into) {
        Path target = into.toAbsolutePath().normalize();
        for (Path r : runDirs) {
            checkSource(r);
            if (r.toAbsolutePath().normalize().equals(target)) {
                throw new UserInputException(
                        "--out " + into + " is one of the run directories to merge");
            }
        }
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw new UserInputException("--out " + into + ": not a directory");
        }
        if (!isMerge(target)
                && (Files.exists(target.resolve(MetricsLog.FILE))
                        || Files.exists(target.resolve("manifest.json"))
                        || Files.exists(target.resolve(SweepMetrics.MARKER)))) {
            throw new UserInputException(
                    "--out "
                            + into
                            + " holds a run or a sweep (no "
                            + MARKER
                            + "): choose another directory for the merged report");
        }
        List<MetricsRow> rows = rows(runDirs);
        try {
            Files.createDirectories(target);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(
                    into + ": cannot create (" + e.getMessage() + ")", e);
        }
        ObjectNode m = JSON.createObjectNode();
        m.put("merged_by", "ouro report");
        ArrayNode a = m.putArray("runs");
        runDirs.forEach(r -> a.add(r.toAbsolutePath().normalize().toString()));
        AtomicFile.write(
                target.resolve(MARKER), m.toPrettyString().getBytes(StandardCharsets.UTF_8));
        write(target.resolve(MetricsLog.FILE), rows);
        return rows.size();
    }

    /**
     * The deduplicated rows of {@code runDirs}, each run's rows relabelled by its directory name
     * ({@link SweepMetrics#relabel}); a sweep or folder stands for its points.
     *
     * @throws UserInputException when two different runs hold the same (policy, seed)
     */
    static List<MetricsRow> rows(List<Path> runDirs) {
        List<Path> runs = new ArrayList<>();
        for (Path d : runDirs) {
            checkSource(d);
            if (isMerge(d)) {
                throw new UserInputException(
                        d + " is a merged report (" + MARKER + "): give the runs it names instead");
            }
            if (SweepMetrics.isSweep(d)) {
                runs.addAll(SweepMetrics.points(d));
            } else {
                runs.add(d);
            }
        }
        return rowsOfRuns(runs);
    }

    /**
     * The deduplicated rows of the run directories {@code runs} (no sweep expansion), in order.
     *
     * @throws UserInputException when two different runs hold the same (policy, seed)
     */
    static List<MetricsRow> rowsOfRuns(List<Path> runs) {
        Map<String, Path> owner = new LinkedHashMap<>(); // "policy|seed" → the run that holds it
        Map<String, MetricsRow> rows = new LinkedHashMap<>();
        for (Path run : runs) {
            Path log = run.resolve(MetricsLog.FILE);
            if (!Files.exists(log)) {
                continue;
            }
            String name = run.toAbsolutePath().normalize().getFileName().toString();
            for (MetricsRow r : MetricsLog.readWarning(log).rows()) {
                MetricsRow labelled = SweepMetrics.relabel(r, name);
                String cell = labelled.policy() + "|" + labelled.seed();
                Path had = owner.putIfAbsent(cell, run);
                if (had != null && !had.equals(run) && !sameRun(had, run)) {
                    throw new UserInputException(
                            "policy "
                                    + labelled.policy()
                                    + ", seed "
                                    + labelled.seed()
                                    + " is in two runs, "
                                    + had
                                    + " and "
                                    + run
                                    + " (not copies of one run: their manifest.json differ); report them apart or"
                                    + " move one away");
                }
                rows.put(cell + "|" + labelled.generation() + "|" + labelled.split(), labelled);
            }
        }
        return new ArrayList<>(rows.values());
    }

    /**
     * One run seen twice: the same directory, or copies (manifest.json with the same config hash
     * and creation time).
     */
    static boolean sameRun(Path a, Path b) {
        try {
            if (Files.isSameFile(a, b)) {
                return true;
            }
            JsonNode ma = JSON.readTree(a.resolve("manifest.json").toFile());
            JsonNode mb = JSON.readTree(b.resolve("manifest.json").toFile());
            String ha = ma.path("config_hash").asText("");
            String ca = ma.path("created").asText("");
            return !ha.isEmpty()
                    && !ca.isEmpty()
                    && ha.equals(mb.path("config_hash").asText(""))
                    && ca.equals(mb.path("created").asText(""));
        } catch (IOException e) {
            return false; // no or unreadable manifest: not clearly the same run
        }
    }

    /** Writes {@code rows} to {@code file} atomically. */
    static void write(Path file, List<MetricsRow> rows) {
        StringBuilder sb = new StringBuilder();
        for (MetricsRow r : rows) {
            sb.append(MetricsLog.toJson(r)).append('\n');
        }
        AtomicFile.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** A directory a merge can read: a run (metrics.jsonl or manifest.json), a sweep or folder. */
    static void checkSource(Path dir) {
        if (!Files.exists(dir)) {
            throw new UserInputException(dir + ": no such run directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new UserInputException(dir + ": not a directory");
        }
        if (!Files.exists(dir.resolve(MetricsLog.FILE))
                && !Files.exists(dir.resolve("manifest.json"))
                && !SweepMetrics.isSweep(dir)) {
            throw new UserInputException(
                    dir
                            + ": not a run directory (no "
                            + MetricsLog.FILE
                            + " or manifest.json, and no runs below it)");
        }
    }
}
