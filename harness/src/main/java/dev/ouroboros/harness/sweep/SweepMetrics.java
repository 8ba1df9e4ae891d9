package dev.ouroboros.harness.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.models.io.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A sweep directory's {@code metrics.jsonl}: the rows of every point's metrics.jsonl, deduplicated
 * by (policy, seed, generation, split), rewritten atomically, so {@code ouro report SWEEP_DIR}
 * aggregates the whole sweep. When a point varies more than policy and seed (e.g. {@code
 * optim.lr=1e-4,policy=replace,seed=0}), its rows are relabelled {@code replace [optim.lr=1e-4]} so
 * points that differ in those keys stay apart in the report. Two points holding the same (policy,
 * seed) after that (hand-made runs in one folder) are an error naming both, unless they are copies
 * of one run ({@link RunMerge}).
 */
public final class SweepMetrics {
    private SweepMetrics() {}

    /** Marks a sweep directory (written by {@code ouro sweep}). */
    public static final String MARKER = "sweep.json";

    /**
     * The point directories of {@code dir}: subdirectories holding a metrics.jsonl or
     * manifest.json, in the order of sweep.json's {@code cells} (the grid's order: the config's
     * policies in their order), then any others by name.
     */
    public static List<Path> points(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<String> order = cellOrder(dir);
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory)
                    .filter(
                            p ->
                                    Files.exists(p.resolve(MetricsLog.FILE))
                                            || Files.exists(p.resolve("manifest.json")))
                    .sorted(
                            Comparator.<Path>comparingInt(
                                            p -> {
                                                int i = order.indexOf(p.getFileName().toString());
                                                return i < 0 ? Integer.MAX_VALUE : i;
                                            })
                                    .thenComparing(Comparator.naturalOrder()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The cell names of sweep.json in order; empty without one (or for a hand-made folder). */
    private static List<String> cellOrder(Path dir) {
        Path marker = dir.resolve(MARKER);
        if (!Files.isRegularFile(marker)) {
            return List.of();
        }
        try {
            List<String> names = new ArrayList<>();
            new ObjectMapper()
                    .readTree(marker.toFile())
                    .path("cells")
                    .forEach(c -> names.add(c.path("name").asText()));
            return names;
        } catch (IOException e) {
            return List.of(); // an unreadable marker only loses the order
        }
    }

    /** A sweep dir: has sweep.json, or points with metrics and no metrics.jsonl of its own. */
    public static boolean isSweep(Path dir) {
        if (Files.exists(dir.resolve(MARKER))) {
            return true;
        }
        return !Files.exists(dir.resolve(MetricsLog.FILE))
                && points(dir).stream().anyMatch(c -> Files.exists(c.resolve(MetricsLog.FILE)));
    }

    /**
     * Rewrites {@code dir/metrics.jsonl} from its points ({@link RunMerge#rowsOfRuns}: two points
     * holding the same (policy, seed) are an error unless they are copies of one run); returns the
     * number of rows.
     */
    public static int merge(Path dir) {
        List<MetricsRow> rows = RunMerge.rowsOfRuns(points(dir));
        if (!Files.exists(dir.resolve(MARKER))) {
            // a folder of run directories made by hand: marked, so that every later report merges
            // them again (its own metrics.jsonl would otherwise make it look like one run)
            AtomicFile.write(
                    dir.resolve(MARKER),
                    "{\"merged_by\": \"ouro report\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        RunMerge.write(dir.resolve(MetricsLog.FILE), rows);
        return rows.size();
    }

    /**
     * The row with the point's other axes (beyond policy and seed) appended to its policy label.
     */
    static MetricsRow relabel(MetricsRow r, String pointName) {
        String rest = pointName.replace("policy=" + r.policy(), "").replace("seed=" + r.seed(), "");
        List<String> parts = new ArrayList<>();
        for (String p : rest.split(",")) {
            if (!p.isBlank()) {
                parts.add(p.trim());
            }
        }
        if (parts.isEmpty() || !pointName.contains("policy=" + r.policy())) {
            return r;
        }
        String policy = r.policy() + " [" + String.join(",", parts) + "]";
        return new MetricsRow(
                r.schema(),
                policy,
                r.seed(),
                r.generation(),
                r.split(),
                r.metrics(),
                r.raw(),
                r.time());
    }
}
