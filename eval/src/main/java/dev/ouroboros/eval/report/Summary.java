package dev.ouroboros.eval.report;

import dev.ouroboros.eval.metrics.MetricDef;
import dev.ouroboros.eval.metrics.MetricDefs;
import dev.ouroboros.eval.metrics.MetricsRow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * Seed grouping: every (policy, generation, split, metric) cell averaged over seeds, with a 95%
 * Student-t confidence interval — on the log scale for perplexities ({@link #logScale}: geometric
 * mean, interval of the mean NLL back-transformed), on the linear scale otherwise. Rows of {@link
 * #BASE_GENERATION} (the base model, scored before any training) are cells like any other, labelled
 * {@code base}. When a (policy, seed, generation, split) appears in several rows (a stage
 * re-evaluated on resume) the last row wins.
 */
public final class Summary {
    /**
     * One aggregated cell. {@code seedValues} maps seed → value.
     *
     * @param mean the arithmetic mean over seeds
     * @param std the sample standard deviation over seeds (n − 1; NaN for n &lt; 2)
     * @param log whether the cell is summarised on the log scale ({@link #logScale}): then {@code
     *     center} is the geometric mean exp(mean ln x) and the interval is exp(mean ln x ±
     *     t₀.₉₇₅,ₙ₋₁ · s_ln/√n) — for a perplexity, the t-interval of the mean NLL,
     *     back-transformed — so it never reaches 0
     * @param center what tables and plots show: {@code mean}, or the geometric mean when {@code
     *     log}
     * @param ciLo the lower end of the 95% interval of {@code center} (NaN for n &lt; 2)
     * @param ciHi the upper end (NaN for n &lt; 2)
     */
    public record Cell(
            String policy,
            int generation,
            String split,
            String metric,
            int n,
            double mean,
            double std,
            boolean log,
            double center,
            double ciLo,
            double ciHi,
            SortedMap<Integer, Double> seedValues) {
        /**
         * The half-width of a symmetric (linear-scale) interval; NaN on the log scale or n &lt; 2.
         */
        public double ciHalf() {
            return log ? Double.NaN : (ciHi - ciLo) / 2;
        }

        /** ↑ ↓ · from the registry, ? for an unregistered name. */
        public String arrow() {
            return MetricDefs.find(metric).map(d -> d.better().arrow()).orElse("?");
        }
    }

    /** The generation of the rows that score the base model (before generation 0's training). */
    public static final int BASE_GENERATION = -1;

    private final List<Cell> cells;
    private final int duplicates;

    private Summary(List<Cell> cells, int duplicates) {
        this.cells = List.copyOf(cells);
        this.duplicates = duplicates;
    }

    /** Aggregates {@code rows} (in file order). */
    public static Summary of(List<MetricsRow> rows) {
        // key (policy, generation, split, metric) → seed → value; last row for a (policy, seed,
        // gen, split) wins
        Map<String, MetricsRow> latest = new LinkedHashMap<>();
        int dup = 0;
        for (MetricsRow r : rows) {
            String k =
                    r.policy()
                            + "\u0000"
                            + r.seed()
                            + "\u0000"
                            + r.generation()
                            + "\u0000"
                            + r.split();
            if (latest.remove(k) != null) {
                dup++;
            }
            latest.put(k, r);
        }
        record Key(String policy, int generation, String split, String metric) {}
        Map<Key, SortedMap<Integer, Double>> groups =
                new TreeMap<>(
                        Comparator.comparing(Key::policy)
                                .thenComparingInt(k -> metricOrder(k.metric()))
                                .thenComparing(Key::metric)
                                .thenComparingInt(k -> splitOrder(k.split()))
                                .thenComparing(Key::split)
                                .thenComparingInt(Key::generation));
        for (MetricsRow r : latest.values()) {
            r.metrics()
                    .forEach(
                            (m, v) ->
                                    groups.computeIfAbsent(
                                                    new Key(
                                                            r.policy(),
                                                            r.generation(),
                                                            r.split(),
                                                            m),
                                                    x -> new TreeMap<>())
                                            .put(r.seed(), v));
        }
        List<Cell> cells = new ArrayList<>();
        groups.forEach(
                (k, seeds) ->
                        cells.add(cell(k.policy(), k.generation(), k.split(), k.metric(), seeds)));
        return new Summary(cells, dup);
    }

    /**
     * The statistics of one cell: arithmetic mean and std always; the shown center and its 95%
     * Student-t interval on the log scale for {@link #logScale} metrics whose values are all &gt;
     * 0, else on the linear scale.
     */
    static Cell cell(
            String policy,
            int generation,
            String split,
            String metric,
            SortedMap<Integer, Double> seeds) {
        double[] x = seeds.values().stream().mapToDouble(Double::doubleValue).toArray();
        int n = x.length;
        double mean = PairedStats.mean(x);
        double std = PairedStats.std(x);
        boolean log = logScale(metric) && Arrays.stream(x).allMatch(v -> v > 0);
        double[] y = log ? Arrays.stream(x).map(Math::log).toArray() : x;
        double c = PairedStats.mean(y);
        double half = PairedStats.ciHalf95(y);
        return log
                ? new Cell(
                        policy,
                        generation,
                        split,
                        metric,
                        n,
                        mean,
                        std,
                        true,
                        Math.exp(c),
                        Math.exp(c - half),
                        Math.exp(c + half),
                        seeds)
                : new Cell(
                        policy,
                        generation,
                        split,
                        metric,
                        n,
                        mean,
                        std,
                        false,
                        mean,
                        mean - half,
                        mean + half,
                        seeds);
    }

    /**
     * Perplexity-type metrics (unit {@code ppl}: block, rolling and per-sample-percentile
     * perplexities; unregistered {@code ppl_*} names too) are summarised on the log scale:
     * perplexity is exp(mean NLL), so seeds average as mean NLLs and intervals are ratios.
     */
    public static boolean logScale(String metric) {
        return MetricDefs.find(metric)
                .map(d -> d.unit().equals("ppl"))
                .orElse(metric.startsWith("ppl_"));
    }

    /** t_{0.975, df}: the two-sided 95% Student-t critical value. */
    public static double tQuantile975(int df) {
        return new TDistribution(df).inverseCumulativeProbability(0.975);
    }

    /** Registry order first (so perplexities lead), unregistered names last. */
    static int metricOrder(String metric) {
        List<MetricDef> all = MetricDefs.all();
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).name().equals(metric)) {
                return i;
            }
        }
        return metric.startsWith("ppl_blocks") ? 0 : all.size();
    }

    /** test, validation, synthetic, reference first (in that order), other splits after. */
    static int splitOrder(String split) {
        int i = List.of("test", "validation", "synthetic", "reference").indexOf(split);
        return i < 0 ? 4 : i;
    }

    /** All cells, sorted by policy, metric (registry order), split, generation. */
    public List<Cell> cells() {
        return cells;
    }

    /**
     * How many rows were superseded by a later row for the same (policy, seed, generation, split).
     */
    public int duplicates() {
        return duplicates;
    }

    /** The cell, if present. */
    public Optional<Cell> cell(String policy, int generation, String split, String metric) {
        return cells.stream()
                .filter(
                        c ->
                                c.policy().equals(policy)
                                        && c.generation() == generation
                                        && c.split().equals(split)
                                        && c.metric().equals(metric))
                .findFirst();
    }

    /** Policies in order of appearance in the sorted cells. */
    public Set<String> policies() {
        Set<String> s = new TreeSet<>();
        cells.forEach(c -> s.add(c.policy()));
        return s;
    }

    /** (split, metric) pairs present: metrics in registry order, then splits (test first). */
    public Set<List<String>> splitMetrics() {
        Set<List<String>> s =
                new TreeSet<>(
                        Comparator.<List<String>>comparingInt(l -> metricOrder(l.get(1)))
                                .thenComparing(l -> l.get(1))
                                .thenComparing(l -> splitOrder(l.get(0)))
                                .thenComparing(l -> l.get(0)));
        cells.forEach(c -> s.add(List.of(c.split(), c.metric())));
        return s;
    }

    /** The CSV: one line per cell. */
    public String toCsv() {
        StringBuilder b =
                new StringBuilder(
                        "policy,generation,split,metric,version,better,n,mean,std,ci95_half,ci95_lo,ci95_hi,scale,center\n");
        for (Cell c : cells) {
            Optional<MetricDef> d = MetricDefs.find(c.metric());
            b.append(csv(c.policy()))
                    .append(',')
                    .append(c.generation())
                    .append(',')
                    .append(csv(c.split()))
                    .append(',')
                    .append(csv(c.metric()))
                    .append(',')
                    .append(d.map(x -> "v" + x.version()).orElse(""))
                    .append(',')
                    .append(
                            d.map(x -> x.better().name().toLowerCase(Locale.ROOT))
                                    .orElse("unknown"))
                    .append(',')
                    .append(c.n())
                    .append(',')
                    .append(num(c.mean()))
                    .append(',')
                    .append(num(c.std()))
                    .append(',')
                    .append(num(c.ciHalf()))
                    .append(',')
                    .append(num(c.ciLo()))
                    .append(',')
                    .append(num(c.ciHi()))
                    .append(',')
                    .append(c.log() ? "log" : "linear")
                    .append(',')
                    .append(num(c.center()))
                    .append('\n');
        }
        return b.toString();
    }

    /**
     * Markdown: per split and metric, a table with one row per generation and one column per
     * policy, each cell {@link #meanCi}.
     */
    public String toMarkdown() {
        StringBuilder b = new StringBuilder();
        List<String> policies = new ArrayList<>(policies());
        for (List<String> sm : splitMetrics()) {
            String split = sm.get(0);
            String metric = sm.get(1);
            Optional<MetricDef> d = MetricDefs.find(metric);
            b.append("### ")
                    .append(metric)
                    .append(' ')
                    .append(d.map(x -> x.better().arrow()).orElse("?"))
                    .append(" — ")
                    .append(split)
                    .append("\n\n");
            d.ifPresent(
                    x ->
                            b.append(x.description())
                                    .append(" (")
                                    .append(x.unit())
                                    .append(", ")
                                    .append(x.versionedName())
                                    .append(")\n\n"));
            b.append("| generation |");
            policies.forEach(p -> b.append(' ').append(p).append(" |"));
            b.append("\n|---:|");
            policies.forEach(p -> b.append("---:|"));
            b.append('\n');
            for (int g : generations(split, metric)) {
                b.append("| ").append(generationLabel(g)).append(" |");
                for (String p : policies) {
                    b.append(' ')
                            .append(cell(p, g, split, metric).map(Summary::meanCi).orElse(""))
                            .append(" |");
                }
                b.append('\n');
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** Generations present for a (split, metric), ascending. */
    public Set<Integer> generations(String split, String metric) {
        Set<Integer> g = new LinkedHashSet<>();
        cells.stream()
                .filter(c -> c.split().equals(split) && c.metric().equals(metric))
                .map(Cell::generation)
                .sorted()
                .forEach(g::add);
        return g;
    }

    /**
     * One table cell: {@code mean ± half (n=k)} on the linear scale, {@code geomean [lo, hi] (n=k)}
     * on the log scale, {@code value (n=1)} for one seed.
     */
    public static String meanCi(Cell c) {
        String m = fmt(c.center());
        if (c.n() < 2) {
            return m + " (n=1)";
        }
        return c.log()
                ? m + " [" + fmt(c.ciLo()) + ", " + fmt(c.ciHi()) + "] (n=" + c.n() + ")"
                : m + " ± " + fmt(c.ciHalf()) + " (n=" + c.n() + ")";
    }

    /** {@code base} for {@link #BASE_GENERATION}, else the number. */
    public static String generationLabel(int generation) {
        return generation == BASE_GENERATION ? "base" : String.valueOf(generation);
    }

    /** Four significant digits, plain notation between 1e-3 and 1e6. */
    public static String fmt(double v) {
        if (!Double.isFinite(v)) {
            return "—";
        }
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e6)) {
            return String.format(Locale.ROOT, "%.3e", v);
        }
        return new java.math.BigDecimal(v)
                .round(new java.math.MathContext(4))
                .stripTrailingZeros()
                .toPlainString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "";
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
