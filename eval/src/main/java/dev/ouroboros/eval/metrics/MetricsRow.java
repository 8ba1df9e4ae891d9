package dev.ouroboros.eval.metrics;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One line of {@code metrics.jsonl}: the metrics of one (policy, seed, generation, split).
 *
 * <pre>{@code
 * {"schema":"ouro.metrics/v1","policy":"replace","seed":0,"generation":2,"split":"test",
 *  "metrics":{"ppl_blocks64":34.1,"distinct_2":0.41},
 *  "raw":{"ppl_blocks64":{"nll_sum":81234.5,"n_predictions":23121}},
 *  "time":"2025-01-01T12:00:00Z"}
 * }</pre>
 *
 * @param policy the mixing policy as the config spells it ({@code replace}, {@code keep-real:0.1},
 *     …)
 * @param seed the run's seed index (not a derived seed)
 * @param generation 0 = trained on real data; {@value #BASE} = the base model itself ({@code init:
 *     base}), scored before any training on the study's own test subset and prompts
 * @param split what was measured: {@code test}, {@code validation} (real held-out text scored by
 *     this generation's model), {@code synthetic} (text this generation's model generated), {@code
 *     reference} (the real text the synthetic metrics compare with)
 * @param metrics metric name → finite value; names are registered in {@link MetricDefs}. An
 *     undefined value (e.g. MTLD of a text with no repeated word) is left out, never written as NaN
 * @param raw metric name → the exact sums it derives from ({@code nll_sum}, {@code n_predictions},
 *     …), so aggregation can stay exact; may be empty
 * @param time when the row was written, ISO-8601 instant
 */
public record MetricsRow(
        String schema,
        String policy,
        int seed,
        int generation,
        String split,
        Map<String, Double> metrics,
        Map<String, Map<String, Double>> raw,
        String time) {

    /** The generation of a base row: the starting checkpoint, before generation 0. */
    public static final int BASE = -1;

    /** The schema this code writes and reads. */
    public static final String SCHEMA = "ouro.metrics/v1";

    /** What metric, raw-field and split names look like. */
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

    public MetricsRow {
        if (!SCHEMA.equals(schema)) {
            throw new IllegalArgumentException("schema must be " + SCHEMA + ", got " + schema);
        }
        if (policy == null || policy.isBlank() || policy.contains("/") || policy.contains("\n")) {
            throw new IllegalArgumentException(
                    "policy must be a non-blank name without '/', got " + policy);
        }
        if (seed < 0) {
            throw new IllegalArgumentException("seed must be ≥ 0, got " + seed);
        }
        if (generation < BASE) {
            throw new IllegalArgumentException(
                    "generation must be ≥ 0 (or " + BASE + ": the base model), got " + generation);
        }
        if (split == null || !NAME.matcher(split).matches()) {
            throw new IllegalArgumentException("split must match " + NAME + ", got " + split);
        }
        Objects.requireNonNull(metrics, "metrics");
        Map<String, Double> m = new LinkedHashMap<>();
        metrics.forEach(
                (k, v) -> {
                    if (k == null || !NAME.matcher(k).matches()) {
                        throw new IllegalArgumentException(
                                "metric name must match " + NAME + ", got " + k);
                    }
                    if (v == null || !Double.isFinite(v)) {
                        throw new IllegalArgumentException(
                                "metric " + k + " must be finite, got " + v + " (leave it out)");
                    }
                    m.put(k, v);
                });
        metrics = Collections.unmodifiableMap(m);
        Map<String, Map<String, Double>> r = new LinkedHashMap<>();
        if (raw != null) {
            raw.forEach(
                    (k, sums) -> {
                        Map<String, Double> s = new LinkedHashMap<>();
                        sums.forEach(
                                (f, v) -> {
                                    if (v == null || !Double.isFinite(v)) {
                                        throw new IllegalArgumentException(
                                                "raw " + k + "." + f + " must be finite, got " + v);
                                    }
                                    s.put(f, v);
                                });
                        r.put(k, Collections.unmodifiableMap(s));
                    });
        }
        raw = Collections.unmodifiableMap(r);
        Objects.requireNonNull(time, "time");
        try {
            Instant.parse(time);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("time must be an ISO-8601 instant, got " + time);
        }
    }

    /** A row stamped now. */
    public static MetricsRow of(
            String policy,
            int seed,
            int generation,
            String split,
            Map<String, Double> metrics,
            Map<String, Map<String, Double>> raw) {
        return new MetricsRow(
                SCHEMA, policy, seed, generation, split, metrics, raw, Instant.now().toString());
    }
}
