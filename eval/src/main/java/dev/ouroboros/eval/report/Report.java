package dev.ouroboros.eval.report;

import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code ouro report RUN_DIR}: reads what a run has written so far (rows of metrics.jsonl,
 * per-sample perplexities of each generation's eval.json; no DONE marker needed) and writes {@code
 * RUN_DIR/report/}: summary.csv, summary.md, compare.csv, compare.md (every policy against a
 * baseline, paired by seed: {@link Comparison}), plots/*.png and a self-contained index.html.
 *
 * <p>The report is built in a temporary sibling directory and swapped in with renames, so a reader
 * sees the old report or the new one, never a half-written one (between the two renames {@code
 * report/} is briefly absent).
 */
public final class Report {
    /** Bins of the per-sample perplexity histograms. */
    public static final int HISTOGRAM_BINS = 40;

    /** Quantiles reported for per-sample perplexity. */
    public static final double[] QUANTILES = {0.1, 0.5, 0.9};

    private static final Pattern GEN_DIR =
            Pattern.compile("(?:.*/)?policy=([^/]+)/seed=(\\d+)/gen=(\\d+)");

    /**
     * What was written; {@code baseline}: the policy the others were compared with (null without
     * rows).
     */
    public record Result(
            Path dir, int rows, List<String> skipped, List<Path> files, String baseline) {}

    /** Per-sample perplexities: split → policy → generation → values pooled over seeds. */
    public record Samples(Map<String, Map<String, SortedMap<Integer, double[]>>> bySplit) {}

    private Report() {}

    /** Serialises the reports of one JVM: a FileLock is held per process, not per thread. */
    private static final Object IN_PROCESS = new Object();

    /**
     * Builds the report of {@code runDir}. Reports of one run directory take turns ({@code
     * .lock-report}); whoever holds the lock first removes the {@code .report-tmp-*} and {@code
     * .report-old-*} directories a killed report left behind.
     */
    public static Result write(Path runDir) {
        return write(runDir, null);
    }

    /**
     * Builds the report of {@code runDir}, comparing every policy with {@code baseline}; null: the
     * run's first policy (that of the first row of metrics.jsonl: a study runs its policies in
     * config order, a merge keeps the order of its runs).
     *
     * @throws UserInputException when {@code baseline} is not a policy of the run's rows
     */
    public static Result write(Path runDir, String baseline) {
        Path dir = checkRunDir(runDir);
        synchronized (IN_PROCESS) {
            try (FileChannel ch =
                            FileChannel.open(
                                    dir.resolve(".lock-report"),
                                    StandardOpenOption.CREATE,
                                    StandardOpenOption.WRITE);
                    FileLock lock = ch.lock()) {
                removeStale(dir);
                return writeLocked(dir, baseline);
            } catch (IOException e) {
                throw new UncheckedIOException(
                        dir + ": writing the report failed: " + e.getMessage(), e);
            }
        }
    }

    /** Temporary directories of earlier reports that were killed before they finished. */
    private static void removeStale(Path dir) throws IOException {
        List<Path> stale;
        try (Stream<Path> s = Files.list(dir)) {
            stale =
                    s.filter(
                                    p -> {
                                        String n = p.getFileName().toString();
                                        return (n.startsWith(".report-tmp-")
                                                        || n.startsWith(".report-old-"))
                                                && Files.isDirectory(p);
                                    })
                            .toList();
        }
        for (Path p : stale) {
            try (Stream<Path> s = Files.walk(p)) {
                for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(x);
                }
            }
        }
    }

    private static Result writeLocked(Path dir, String requestedBaseline) {
        Path log = dir.resolve(MetricsLog.FILE);
        MetricsLog.Read read =
                Files.exists(log)
                        ? MetricsLog.read(log)
                        : new MetricsLog.Read(List.of(), List.of());
        Summary summary = Summary.of(read.rows());
        Comparison comparison = Comparison.of(summary, baseline(dir, read, requestedBaseline));
        Samples samples = readSamples(dir);
        List<String> policies = Plots.policyOrder(summary);
        Map<List<String>, Plots.Png> plots = new LinkedHashMap<>();
        for (List<String> sm : summary.splitMetrics()) {
            plots.put(sm, Plots.metricVsGeneration(summary, policies, sm.get(0), sm.get(1)));
        }
        Map<List<String>, Plots.Png> differencePlots = new LinkedHashMap<>();
        for (List<String> sm : comparison.splitMetrics()) {
            differencePlots.put(
                    sm, Plots.differenceVsGeneration(comparison, policies, sm.get(0), sm.get(1)));
        }
        List<Plots.Png> histograms = new ArrayList<>();
        samples.bySplit()
                .forEach(
                        (split, byPolicy) -> {
                            List<double[]> all = new ArrayList<>();
                            byPolicy.values().forEach(g -> all.addAll(g.values()));
                            if (all.stream().anyMatch(a -> a.length > 0)) {
                                histograms.add(
                                        Plots.histograms(
                                                split,
                                                byPolicy,
                                                Distribution.logEdges(
                                                        all.stream()
                                                                .filter(a -> a.length > 0)
                                                                .toList(),
                                                        HISTOGRAM_BINS)));
                            }
                        });
        String html =
                HtmlReport.render(
                        dir,
                        read,
                        summary,
                        samples,
                        plots,
                        comparison,
                        differencePlots,
                        histograms,
                        Instant.now());

        Path tmp;
        try {
            tmp = Files.createTempDirectory(dir, ".report-tmp-");
            try { // createTempDirectory makes it rwx------; a report is for sharing
                Files.setPosixFilePermissions(
                        tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (UnsupportedOperationException e) {
                // not POSIX: keep the default
            }
            Path plotDir = Files.createDirectories(tmp.resolve("plots"));
            Files.writeString(tmp.resolve("summary.csv"), summary.toCsv(), StandardCharsets.UTF_8);
            Files.writeString(
                    tmp.resolve("summary.md"),
                    markdown(dir, read, summary, samples),
                    StandardCharsets.UTF_8);
            Files.writeString(
                    tmp.resolve("compare.csv"), comparison.toCsv(), StandardCharsets.UTF_8);
            Files.writeString(
                    tmp.resolve("compare.md"),
                    comparison.toMarkdown(String.valueOf(dir.getFileName())),
                    StandardCharsets.UTF_8);
            for (Plots.Png p : plots.values()) {
                Files.write(plotDir.resolve(p.fileName()), p.bytes());
            }
            for (Plots.Png p : differencePlots.values()) {
                Files.write(plotDir.resolve(p.fileName()), p.bytes());
            }
            for (Plots.Png p : histograms) {
                Files.write(plotDir.resolve(p.fileName()), p.bytes());
            }
            Files.writeString(tmp.resolve("index.html"), html, StandardCharsets.UTF_8);
            List<Path> files;
            try (Stream<Path> s = Files.walk(tmp)) {
                files =
                        s.filter(Files::isRegularFile)
                                .map(p -> dir.resolve("report").resolve(tmp.relativize(p)))
                                .sorted()
                                .toList();
            }
            swap(tmp, dir.resolve("report"));
            return new Result(
                    dir.resolve("report"),
                    read.rows().size(),
                    read.skipped(),
                    files,
                    comparison.baseline());
        } catch (IOException e) {
            throw new UncheckedIOException(
                    dir + ": writing the report failed: " + e.getMessage(), e);
        }
    }

    /**
     * The baseline policy: {@code requested} when the rows hold it (a one-line error naming the
     * policies when they do not), else the policy of the first row; null when there are no rows.
     */
    static String baseline(Path dir, MetricsLog.Read read, String requested) {
        if (read.rows().isEmpty()) {
            return null;
        }
        if (requested == null) {
            return read.rows().get(0).policy();
        }
        java.util.Set<String> policies = new java.util.LinkedHashSet<>();
        read.rows().forEach(r -> policies.add(r.policy()));
        if (!policies.contains(requested)) {
            throw new UserInputException(
                    "baseline "
                            + requested
                            + ": no such policy in "
                            + dir.resolve(MetricsLog.FILE)
                            + " (policies: "
                            + String.join(", ", policies)
                            + ")");
        }
        return requested;
    }

    /** The run directory, absolute; one-line errors for what is not a run directory. */
    static Path checkRunDir(Path runDir) {
        Path dir = runDir.toAbsolutePath().normalize();
        if (!Files.exists(dir)) {
            throw new UserInputException(runDir + ": no such run directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new UserInputException(runDir + ": not a directory");
        }
        if (!Files.exists(dir.resolve(MetricsLog.FILE))
                && !Files.exists(dir.resolve("manifest.json"))) {
            throw new UserInputException(
                    runDir + ": not a run directory (no " + MetricsLog.FILE + " or manifest.json)");
        }
        return dir;
    }

    /** Reads {@code per_sample_ppl} of every generation directory's eval.json present. */
    public static Samples readSamples(Path dir) {
        Map<String, Map<String, SortedMap<Integer, List<double[]>>>> acc = new TreeMap<>();
        for (Path evalJson : evalJsons(dir)) {
            Matcher m =
                    GEN_DIR.matcher(
                            dir.relativize(evalJson.getParent()).toString().replace('\\', '/'));
            if (!m.matches()) {
                continue;
            }
            String policy = m.group(1);
            int gen = Integer.parseInt(m.group(3));
            PerSamplePpl.read(evalJson)
                    .forEach(
                            (split, v) ->
                                    acc.computeIfAbsent(split, k -> new TreeMap<>())
                                            .computeIfAbsent(policy, k -> new TreeMap<>())
                                            .computeIfAbsent(gen, k -> new ArrayList<>())
                                            .add(v));
        }
        Map<String, Map<String, SortedMap<Integer, double[]>>> out = new TreeMap<>();
        acc.forEach(
                (split, byPolicy) ->
                        byPolicy.forEach(
                                (policy, byGen) ->
                                        byGen.forEach(
                                                (gen, parts) ->
                                                        out.computeIfAbsent(
                                                                        split, k -> new TreeMap<>())
                                                                .computeIfAbsent(
                                                                        policy,
                                                                        k -> new TreeMap<>())
                                                                .put(
                                                                        gen,
                                                                        parts.stream()
                                                                                .flatMapToDouble(
                                                                                        java.util
                                                                                                        .Arrays
                                                                                                ::stream)
                                                                                .toArray()))));
        return new Samples(out);
    }

    /**
     * Every eval.json in a policy=P/seed=S/gen=N directory under {@code dir}: a run, or a sweep of
     * runs (cells one level down).
     */
    private static List<Path> evalJsons(Path dir) {
        try (java.util.stream.Stream<Path> s = Files.walk(dir, 5)) {
            return s.filter(p -> p.getFileName().toString().equals("eval.json"))
                    .filter(
                            p ->
                                    GEN_DIR.matcher(
                                                    dir.relativize(p.getParent())
                                                            .toString()
                                                            .replace('\\', '/'))
                                            .matches())
                    .sorted(Comparator.naturalOrder())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    dir + ": cannot list generation directories: " + e.getMessage(), e);
        }
    }

    /** summary.md: the header, per-sample quantiles, then {@link Summary#toMarkdown()}. */
    static String markdown(Path dir, MetricsLog.Read read, Summary summary, Samples samples) {
        StringBuilder b = new StringBuilder("# Report: ").append(dir.getFileName()).append("\n\n");
        b.append(read.rows().size()).append(" rows from ").append(MetricsLog.FILE);
        if (!read.skipped().isEmpty()) {
            b.append(", ").append(read.skipped().size()).append(" line(s) skipped");
        }
        if (summary.duplicates() > 0) {
            b.append(", ").append(summary.duplicates()).append(" superseded by later rows");
        }
        b.append(
                        ". Cells: mean ± 95% CI half-width t₀.₉₇₅,ₙ₋₁·s/√n over seeds (n seeds); perplexities: geometric")
                .append(
                        " mean [95% CI], the t-interval of the mean log perplexity (= mean NLL) back-transformed."
                                + " ↑ higher is better, ↓ lower is better, · compare with the reference.\n\n");
        samples.bySplit()
                .forEach(
                        (split, byPolicy) -> {
                            b.append("### per-sample perplexity quantiles — ")
                                    .append(split)
                                    .append(
                                            " (generation-0 scorer, pooled over seeds; type-7 quantiles)\n\n")
                                    .append(
                                            "| policy | generation | N | p10 | p50 | p90 |\n|---|---:|---:|---:|---:|---:|\n");
                            byPolicy.forEach(
                                    (policy, byGen) ->
                                            byGen.forEach(
                                                    (gen, v) -> {
                                                        b.append("| ")
                                                                .append(policy)
                                                                .append(" | ")
                                                                .append(gen)
                                                                .append(" | ")
                                                                .append(v.length);
                                                        for (double q : QUANTILES) {
                                                            b.append(" | ")
                                                                    .append(
                                                                            Summary.fmt(
                                                                                    Distribution
                                                                                            .quantile(
                                                                                                    v,
                                                                                                    q)));
                                                        }
                                                        b.append(" |\n");
                                                    }));
                            b.append('\n');
                        });
        return b.append(summary.toMarkdown()).toString();
    }

    /**
     * Puts {@code fresh} at {@code target}: the old report is renamed aside, the new one renamed
     * in, the old deleted.
     */
    private static void swap(Path fresh, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            old = fresh.resolveSibling(".report-old-" + Long.toHexString(System.nanoTime()));
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(fresh, target, StandardCopyOption.ATOMIC_MOVE);
        if (old != null) {
            FileTrees.deleteTree(old);
        }
    }

    /**
     * For the HTML: rows grouped by policy and seed → generations present (shows how far a live run
     * got).
     */
    static Map<String, SortedMap<Integer, java.util.SortedSet<Integer>>> progress(
            List<MetricsRow> rows) {
        Map<String, SortedMap<Integer, java.util.SortedSet<Integer>>> out = new TreeMap<>();
        for (MetricsRow r : rows) {
            out.computeIfAbsent(r.policy(), k -> new TreeMap<>())
                    .computeIfAbsent(r.seed(), k -> new java.util.TreeSet<>())
                    .add(r.generation());
        }
        return out;
    }
}
