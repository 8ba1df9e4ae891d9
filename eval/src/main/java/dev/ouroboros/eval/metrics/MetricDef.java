package dev.ouroboros.eval.metrics;

import java.util.Objects;

/**
 * A named, versioned metric. The name is what appears in {@code metrics.jsonl}; the version changes
 * whenever the definition changes in a way that makes old numbers incomparable (bump it and say why
 * in docs/metrics.md).
 *
 * @param better which direction is better; {@link Better#NEITHER} for metrics judged against a
 *     reference value
 * @param unit what the number counts ("nats", "bits", "ratio", …)
 */
public record MetricDef(String name, int version, String description, Better better, String unit) {
    /** Which way is better. */
    public enum Better {
        HIGHER("↑"),
        LOWER("↓"),
        NEITHER("·");

        private final String arrow;

        Better(String arrow) {
            this.arrow = arrow;
        }

        /** ↑, ↓ or · (compare with the reference). */
        public String arrow() {
            return arrow;
        }
    }

    public MetricDef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(better, "better");
        Objects.requireNonNull(unit, "unit");
        if (!MetricsRow.NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "metric name must match " + MetricsRow.NAME + ": " + name);
        }
        if (version < 1) {
            throw new IllegalArgumentException(name + ": version must be ≥ 1, got " + version);
        }
    }

    /** {@code name/v<version>}, the form the docs and reports cite. */
    public String versionedName() {
        return name + "/v" + version;
    }

    /** True for perplexities (plotted on a log axis). */
    public boolean logScale() {
        return unit.equals("ppl") || name.startsWith("gauss_");
    }
}
