package dev.ouroboros.harness.sweep;

import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.models.io.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A sweep directory's {@code metrics.jsonl}: the rows of every point's metrics.jsonl, deduplicated
 * by (policy, seed, generation, split), rewritten atomically, so {@code ouro report SWEEP_DIR}
 * aggregates the whole sweep. When a point varies more than policy and seed (e.g. {@code
 * optim.lr=1e-4,policy=replace,seed=0}), its rows are relabelled {@code replace [optim.lr=1e-4]} so
 * points that differ in those keys stay apart in the report.
 */
public final class SweepMetrics {
    private SweepMetrics() {}

    /** Marks a sweep directory (written by {@code ouro sweep}). */
    public static final String MARKER = "sweep.json";

    /**
     * The point directories of {@code dir}: subdirectories holding a metrics.jsonl or
     * manifest.json.
     */
    public static List<Path> points(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory)
                    .filter(
                            p ->
                                    Files.exists(p.resolve(MetricsLog.FILE))
                                            || Files.exists(p.resolve("manifest.json")))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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

    /** Rewrites {@code dir/metrics.jsonl} from its points; returns the number of rows. */
    public static int merge(Path dir) {
        if (!Files.exists(dir.resolve(MARKER))) {
            // a folder of run directories made by hand: marked, so that every later report merges
            // them again (its own metrics.jsonl would otherwise make it look like one run)
            dev.ouroboros.models.io.AtomicFile.write(
                    dir.resolve(MARKER),
                    "{\"merged_by\": \"ouro report\"}\n"
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Map<String, MetricsRow> rows = new LinkedHashMap<>();
        for (Path point : points(dir)) {
            Path log = point.resolve(MetricsLog.FILE);
            if (!Files.exists(log)) {
                continue;
            }
            String pointName = point.getFileName().toString();
            for (MetricsRow r : MetricsLog.readWarning(log).rows()) {
                MetricsRow labelled = relabel(r, pointName);
                rows.put(
                        labelled.policy()
                                + "|"
                                + labelled.seed()
                                + "|"
                                + labelled.generation()
                                + "|"
                                + labelled.split(),
                        labelled);
            }
        }
        StringBuilder sb = new StringBuilder();
        for (MetricsRow r : rows.values()) {
            sb.append(MetricsLog.toJson(r)).append('\n');
        }
        AtomicFile.write(
                dir.resolve(MetricsLog.FILE), sb.toString().getBytes(StandardCharsets.UTF_8));
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
