package dev.ouroboros.eval.report;

import dev.ouroboros.eval.metrics.MetricDef;
import dev.ouroboros.eval.metrics.MetricDefs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Every policy against a baseline policy, paired by seed, for every (generation, split, metric) the
 * {@link Summary} holds: compare.csv, compare.md and the report's comparison section.
 *
 * <p>The design is paired: within a run directory the policies of one seed start from the same
 * generation-0 model (and the same D0), so d_s = policy − baseline on seed s removes what the seeds
 * share. A seed that only one side has at a (generation, split, metric) is left out of that pair
 * and listed in {@link #unpaired()}.
 *
 * <p>Not compared: the {@link #REFERENCE_SPLITS} (real text, the same for every policy by
 * construction) and the base model's rows ({@link Summary#BASE_GENERATION}: one model for all).
 * Perplexities are compared as ratios ({@link PairedDifference}).
 */
public final class Comparison {
    /** Splits of reference text, identical for every policy: never compared. */
    public static final Set<String> REFERENCE_SPLITS = Set.of("real", "reference");

    /** The significance level whose reachability compare.md reports. */
    static final double ALPHA = 0.05;

    private final String baseline;
    private final List<String> policies;
    private final List<PairedDifference> differences;
    private final List<UnpairedSeed> unpaired;

    private Comparison(
            String baseline,
            List<String> policies,
            List<PairedDifference> differences,
            List<UnpairedSeed> unpaired) {
        this.baseline = baseline;
        this.policies = List.copyOf(policies);
        this.differences = List.copyOf(differences);
        this.unpaired = List.copyOf(unpaired);
    }

    /**
     * Pairs every other policy of {@code summary} with {@code baseline} (one of its policies, or
     * null when it has none).
     */
    public static Comparison of(Summary summary, String baseline) {
        if (baseline != null && !summary.policies().contains(baseline)) {
            throw new IllegalArgumentException("baseline " + baseline + " is not a policy");
        }
        List<String> others = new ArrayList<>(summary.policies());
        others.remove(baseline);
        if (baseline == null) {
            others.clear();
        }
        List<PairedDifference> diffs = new ArrayList<>();
        List<UnpairedSeed> unpaired = new ArrayList<>();
        for (List<String> sm : summary.splitMetrics()) {
            String split = sm.get(0);
            String metric = sm.get(1);
            if (REFERENCE_SPLITS.contains(split)) {
                continue;
            }
            for (String p : others) {
                for (int g : summary.generations(split, metric)) {
                    if (g == Summary.BASE_GENERATION) {
                        continue;
                    }
                    Optional<Summary.Cell> mine = summary.cell(p, g, split, metric);
                    Optional<Summary.Cell> base = summary.cell(baseline, g, split, metric);
                    SortedMap<Integer, Double> a =
                            mine.map(Summary.Cell::seedValues).orElse(new TreeMap<>());
                    SortedMap<Integer, Double> b =
                            base.map(Summary.Cell::seedValues).orElse(new TreeMap<>());
                    SortedMap<Integer, Double> d = new TreeMap<>();
                    boolean ratio = ratio(metric, a, b);
                    a.forEach(
                            (seed, v) -> {
                                if (b.containsKey(seed)) {
                                    d.put(
                                            seed,
                                            ratio
                                                    ? Math.log(v) - Math.log(b.get(seed))
                                                    : v - b.get(seed));
                                } else {
                                    unpaired.add(
                                            new UnpairedSeed(
                                                    p, baseline, g, split, metric, seed, p));
                                }
                            });
                    b.keySet().stream()
                            .filter(seed -> !a.containsKey(seed))
                            .forEach(
                                    seed ->
                                            unpaired.add(
                                                    new UnpairedSeed(
                                                            p, baseline, g, split, metric, seed,
                                                            baseline)));
                    if (!d.isEmpty()) {
                        diffs.add(PairedDifference.of(p, baseline, g, split, metric, d, ratio));
                    }
                }
            }
        }
        List<String> all = new ArrayList<>(summary.policies());
        return new Comparison(baseline, all, diffs, unpaired);
    }

    /** Perplexities with every value &gt; 0 are compared as ratios. */
    private static boolean ratio(
            String metric, SortedMap<Integer, Double> a, SortedMap<Integer, Double> b) {
        return Summary.logScale(metric)
                && a.values().stream().allMatch(v -> v > 0)
                && b.values().stream().allMatch(v -> v > 0);
    }

    /**
     * The sentence on the exact sign-flip floor when it is above {@link #ALPHA} for the smallest n
     * ≥ 2 of the differences, e.g. "With n = 3 seeds the smallest possible p = 2/2³ = 0.25; n ≥ 6
     * seeds are needed for p &lt; 0.05."; empty when every p can go below it.
     */
    public Optional<String> pFloorNote() {
        OptionalInt n =
                differences.stream().mapToInt(PairedDifference::n).filter(k -> k >= 2).min();
        if (n.isEmpty() && !differences.isEmpty()) { // one seed throughout
            return Optional.of(
                    "With n = 1 seed there is no p (nothing to permute); n >= "
                            + seedsFor(ALPHA)
                            + " seeds are needed for p < "
                            + ALPHA
                            + ".");
        }
        if (n.isEmpty() || minP(n.getAsInt()) < ALPHA) {
            return Optional.empty();
        }
        int k = n.getAsInt();
        int need = seedsFor(ALPHA);
        return Optional.of(
                "With n = "
                        + k
                        + " seeds the smallest possible p = 2/2^"
                        + k
                        + " = "
                        + Summary.fmt(minP(k))
                        + ": no difference can reach p < "
                        + ALPHA
                        + " however large it is; n >= "
                        + need
                        + " seeds are needed for p < "
                        + ALPHA
                        + " (smallest p = "
                        + Summary.fmt(minP(need))
                        + "). Read the interval and the per-seed signs instead.");
    }

    /** The fewest seeds whose sign-flip floor 2/2ⁿ is below {@code alpha}. */
    static int seedsFor(double alpha) {
        int n = 1;
        while (minP(n) >= alpha) {
            n++;
        }
        return n;
    }

    /** The exact sign-flip floor 2/2ⁿ. */
    static double minP(int n) {
        return 2 / Math.pow(2, n);
    }

    /** The baseline policy (null when the run has no rows). */
    public String baseline() {
        return baseline;
    }

    /** The policies compared with the baseline (sorted, the baseline left out). */
    public List<String> others() {
        return policies.stream().filter(p -> !p.equals(baseline)).toList();
    }

    /** Every paired difference, by split and metric (Summary order), policy, generation. */
    public List<PairedDifference> differences() {
        return differences;
    }

    /** Seeds left out because the other side lacks them. */
    public List<UnpairedSeed> unpaired() {
        return unpaired;
    }

    /** The difference, if any seed pairs there. */
    public Optional<PairedDifference> difference(
            String policy, int generation, String split, String metric) {
        return differences.stream()
                .filter(
                        d ->
                                d.policy().equals(policy)
                                        && d.generation() == generation
                                        && d.split().equals(split)
                                        && d.metric().equals(metric))
                .findFirst();
    }

    /** (split, metric) pairs with at least one difference, in Summary order. */
    public List<List<String>> splitMetrics() {
        Set<List<String>> s = new java.util.LinkedHashSet<>();
        differences.forEach(d -> s.add(List.of(d.split(), d.metric())));
        return new ArrayList<>(s);
    }

    /** Generations with a difference for a (split, metric), ascending. */
    public SortedSet<Integer> generations(String split, String metric) {
        return differences.stream()
                .filter(d -> d.split().equals(split) && d.metric().equals(metric))
                .map(PairedDifference::generation)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * compare.csv: one line per paired difference; CI and p empty for n = 1. {@code scale}: {@code
     * difference} (estimate = d̄) or {@code ratio} (estimate = exp(d̄) of the log ratios, policy /
     * baseline); {@code std_d}: s_d of the d as compared (log ratios for a ratio).
     */
    public String toCsv() {
        StringBuilder b =
                new StringBuilder(
                        "baseline,policy,generation,split,metric,better,scale,n,estimate,std_d,ci95_lo,ci95_hi,p_sign_flip,seeds\n");
        for (PairedDifference d : differences) {
            double[] x =
                    d.differences().values().stream().mapToDouble(Double::doubleValue).toArray();
            List<String> f =
                    List.of(
                            csv(d.baseline()),
                            csv(d.policy()),
                            String.valueOf(d.generation()),
                            csv(d.split()),
                            csv(d.metric()),
                            MetricDefs.find(d.metric())
                                    .map(def -> def.better().name().toLowerCase(Locale.ROOT))
                                    .orElse("unknown"),
                            d.ratio() ? "ratio" : "difference",
                            String.valueOf(d.n()),
                            num(d.estimate()),
                            num(PairedStats.std(x)),
                            num(d.ciLo()),
                            num(d.ciHi()),
                            num(d.p()),
                            d.differences().keySet().stream()
                                    .map(String::valueOf)
                                    .collect(Collectors.joining(";")));
            b.append(String.join(",", f)).append('\n');
        }
        return b.toString();
    }

    /** What the numbers are, in one paragraph (compare.md and index.html). */
    static String method() {
        return "Paired by seed: at every generation, split and metric, d = policy − baseline on each seed"
                + " both have (within a run directory both start from that seed's generation-0 model)."
                + " Difference: the mean d̄ over the n pairs; 95% CI: d̄ ± t₀.₉₇₅,ₙ₋₁·s_d/√n (paired t);"
                + " p: exact two-sided sign-flip permutation test, the share of all 2ⁿ sign assignments of the"
                + " d with |mean| ≥ |d̄|, the observed one included (so p ≥ 2/2ⁿ: 0.25 with 3 seeds, 1 when"
                + " d̄ = 0). With n = 1 there is the difference only: CI and p are n/a. The sign is"
                + " policy minus baseline: for ↓ metrics a negative difference favours the policy, for ↑ a"
                + " positive one. Perplexities are compared as ratios: d = ln policy − ln baseline"
                + " (the difference of mean NLLs), and the mean, CI ends are shown as exp(·), ×r ="
                + " policy / baseline (geometric mean over seeds); the p is that of the log ratios."
                + " Not compared: the real text (the same for every policy) and the base model's"
                + " rows.";
    }

    /** One line per group of left-out seeds (same policy, seed, side and generations). */
    public List<String> notes() {
        // (policy, seed, side, split, metric) → generations
        Map<List<Object>, SortedSet<Integer>> byCell = new LinkedHashMap<>();
        for (UnpairedSeed u : unpaired) {
            byCell.computeIfAbsent(
                            List.of(u.policy(), u.seed(), u.presentIn(), u.split(), u.metric()),
                            k -> new TreeSet<>())
                    .add(u.generation());
        }
        // (policy, seed, side, generations) → "split metric"s
        Map<List<Object>, List<String>> grouped = new TreeMap<>(Comparison::compareKeys);
        byCell.forEach(
                (k, gens) ->
                        grouped.computeIfAbsent(
                                        List.of(
                                                k.get(0),
                                                k.get(1),
                                                k.get(2),
                                                HtmlReport.ranges(gens)),
                                        x -> new ArrayList<>())
                                .add(k.get(3) + " " + k.get(4)));
        List<String> out = new ArrayList<>();
        grouped.forEach(
                (k, metrics) -> {
                    String policy = (String) k.get(0);
                    boolean inPolicy = k.get(2).equals(policy);
                    out.add(
                            policy
                                    + ", seed "
                                    + k.get(1)
                                    + ", generation(s) "
                                    + k.get(3)
                                    + ": only "
                                    + (inPolicy ? policy : baseline + " (the baseline)")
                                    + " has it, "
                                    + (inPolicy ? baseline + " (the baseline)" : policy)
                                    + " does not; left out of "
                                    + String.join(", ", metrics));
                });
        return out;
    }

    private static int compareKeys(List<Object> a, List<Object> b) {
        int c = ((String) a.get(0)).compareTo((String) b.get(0));
        if (c == 0) {
            c = Integer.compare((Integer) a.get(1), (Integer) b.get(1));
        }
        if (c == 0) {
            c = ((String) a.get(2)).compareTo((String) b.get(2));
        }
        if (c == 0) {
            c = ((String) a.get(3)).compareTo((String) b.get(3));
        }
        return c;
    }

    /**
     * compare.md: the method, the left-out seeds, then per split and metric one table of generation
     * × policy.
     */
    public String toMarkdown(String runName) {
        StringBuilder b = new StringBuilder("# Policies vs the baseline: ").append(runName);
        b.append("\n\n");
        if (baseline == null) {
            return b.append("No metrics rows yet: nothing to compare.\n").toString();
        }
        b.append("Baseline: `").append(baseline).append("`. ");
        if (others().isEmpty()) {
            return b.append("It is the only policy: nothing to compare.\n").toString();
        }
        b.append(method()).append("\n\n");
        pFloorNote().ifPresent(n -> b.append("**").append(n).append("**\n\n"));
        List<String> notes = notes();
        if (!notes.isEmpty()) {
            b.append("## Seeds left out (no partner on the other side)\n\n");
            notes.forEach(n -> b.append("- ").append(n).append('\n'));
            b.append('\n');
        }
        for (List<String> sm : splitMetrics()) {
            String split = sm.get(0);
            String metric = sm.get(1);
            Optional<MetricDef> def = MetricDefs.find(metric);
            b.append("### ")
                    .append(metric)
                    .append(' ')
                    .append(def.map(x -> x.better().arrow()).orElse("?"))
                    .append(" — ")
                    .append(split)
                    .append(Summary.logScale(metric) ? ": policy / " : ": policy − ")
                    .append(baseline)
                    .append(Summary.logScale(metric) ? " (ratio)" : "")
                    .append("\n\n| generation | policy | n | difference | 95% CI | p |\n")
                    .append("|---:|---|---:|---:|---|---:|\n");
            for (int g : generations(split, metric)) {
                for (String p : others()) {
                    difference(p, g, split, metric)
                            .ifPresent(
                                    d ->
                                            b.append("| ")
                                                    .append(Summary.generationLabel(g))
                                                    .append(" | ")
                                                    .append(p)
                                                    .append(" | ")
                                                    .append(d.n())
                                                    .append(" | ")
                                                    .append(d.estimateText())
                                                    .append(" | ")
                                                    .append(d.ciText())
                                                    .append(" | ")
                                                    .append(d.pText())
                                                    .append(" |\n"));
                }
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "";
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
