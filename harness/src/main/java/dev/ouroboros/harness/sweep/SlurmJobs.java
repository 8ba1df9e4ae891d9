package dev.ouroboros.harness.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.models.io.AtomicFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Slurm jobs of a sweep, recorded in its sweep.json under {@code slurm_jobs} (id, when, the
 * cells of its array tasks in order, the script and jar), and their tasks' states as squeue (or,
 * once they have left the queue, sacct) reports them.
 */
public final class SlurmJobs {
    static final String KEY = "slurm_jobs";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RUN_LINE = Pattern.compile("^ouro: task \\S+ restart (\\d+) ");

    /** A written script and the cells of its array tasks in order; script null: nothing to run. */
    public record Script(Path path, List<String> cells, String jar) {}

    private SlurmJobs() {}

    /** The recorded jobs, oldest first (empty when none). */
    public static ArrayNode read(Path sweepDir) {
        Path f = sweepDir.resolve(SweepMetrics.MARKER);
        if (!Files.isRegularFile(f)) {
            return JSON.createArrayNode();
        }
        try {
            JsonNode jobs = JSON.readTree(f.toFile()).path(KEY);
            return jobs.isArray() ? (ArrayNode) jobs.deepCopy() : JSON.createArrayNode();
        } catch (IOException e) {
            return JSON.createArrayNode();
        }
    }

    /** Appends a submitted job to sweep.json (atomically). */
    public static void record(Path sweepDir, String jobId, Script s) {
        Path f = sweepDir.resolve(SweepMetrics.MARKER);
        try {
            ObjectNode n = (ObjectNode) JSON.readTree(f.toFile());
            ArrayNode jobs = read(sweepDir);
            ObjectNode j = jobs.addObject();
            j.put("id", jobId);
            j.put("submitted", Instant.now().toString());
            j.put("script", s.path().toAbsolutePath().toString());
            if (s.jar() != null) {
                j.put("jar", s.jar());
            }
            ArrayNode cells = j.putArray("cells");
            s.cells().forEach(cells::add);
            n.set(KEY, jobs);
            AtomicFile.write(f, n.toPrettyString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each cell's latest array task ({@code cell -> 12_3}), from the recorded jobs. */
    static Map<String, String> tasks(Path sweepDir) {
        Map<String, String> m = new LinkedHashMap<>();
        for (JsonNode j : read(sweepDir)) {
            JsonNode cells = j.path("cells");
            for (int i = 0; i < cells.size(); i++) {
                m.put(cells.get(i).asText(), j.path("id").asText() + "_" + i);
            }
        }
        return m;
    }

    /** The recorded array tasks squeue still lists (pending or running); empty when none. */
    public static List<String> stillQueued(Path sweepDir) {
        List<String> ids = jobIds(sweepDir);
        if (ids.isEmpty()) {
            return List.of();
        }
        Map<String, String> q = SlurmClient.queued(ids);
        if (q == null) {
            return List.of();
        }
        return q.entrySet().stream()
                .filter(e -> SlurmClient.active(e.getValue()))
                .map(Map.Entry::getKey)
                .toList();
    }

    /**
     * Each submitted cell's Slurm state, lower case ({@code pending}, {@code running}, {@code
     * requeued, pending}, {@code running (run 2)}, {@code completed}, {@code failed}, …, or {@code
     * not in the queue} when squeue no longer lists it and there is no accounting to ask); empty
     * when the sweep was never submitted, null when squeue cannot be asked.
     */
    public static Map<String, String> states(Path sweepDir) {
        Map<String, String> tasks = tasks(sweepDir);
        if (tasks.isEmpty()) {
            return Map.of();
        }
        Map<String, String> queued = SlurmClient.queued(jobIds(sweepDir));
        if (queued == null) {
            return null;
        }
        Map<String, String> done = null;
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : tasks.entrySet()) {
            String task = e.getValue();
            String state = queued.get(task);
            int runs = runs(sweepDir.resolve("slurm-" + task + ".out"));
            if (state == null) {
                if (done == null) {
                    done = SlurmClient.accounted(jobIds(sweepDir));
                }
                state = done.getOrDefault(task, "not in the queue");
            } else if (state.equals("PENDING") && runs > 0) {
                state = "requeued, pending";
            } else if (state.equals("RUNNING") && runs > 1) {
                state = "running (run " + runs + ")";
            }
            out.put(e.getKey(), "slurm " + task + " " + state.toLowerCase(java.util.Locale.ROOT));
        }
        return out;
    }

    /** How many times the task started: its log's {@code ouro: task … restart N} lines. */
    static int runs(Path log) {
        if (!Files.isRegularFile(log)) {
            return 0;
        }
        try {
            return (int)
                    Files.readAllLines(log, StandardCharsets.ISO_8859_1).stream()
                            .map(RUN_LINE::matcher)
                            .filter(Matcher::find)
                            .count();
        } catch (IOException e) {
            return 0;
        }
    }

    private static List<String> jobIds(Path sweepDir) {
        List<String> ids = new ArrayList<>();
        for (JsonNode j : read(sweepDir)) {
            ids.add(j.path("id").asText());
        }
        return ids;
    }

    /**
     * A classpath that is one jar file, copied to {@code <sweep>/jar/ouroboros-<sha256:12>.jar}
     * (kept if there already); its path, or null for any other classpath.
     */
    static String snapshotJar(String classpath, Path sweepDir) {
        if (classpath.contains(java.io.File.pathSeparator) || !classpath.endsWith(".jar")) {
            return null;
        }
        Path jar = Path.of(classpath).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            return null;
        }
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(Files.newInputStream(jar), md)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            String hex = HexFormat.of().formatHex(md.digest()).substring(0, 12);
            Path to = sweepDir.toAbsolutePath().resolve("jar").resolve("ouroboros-" + hex + ".jar");
            if (!Files.isRegularFile(to)) {
                Files.createDirectories(to.getParent());
                Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
                Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE);
            }
            return to.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
