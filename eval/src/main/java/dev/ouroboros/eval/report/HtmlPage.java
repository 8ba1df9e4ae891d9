package dev.ouroboros.eval.report;

import java.util.List;

/**
 * The view model of index.html: what {@code index.html.mustache} shows, as plain text (the template
 * escapes every value). A null component is a section the page leaves out.
 *
 * @param skipped lines of metrics.jsonl that were skipped (null: none)
 * @param duplicates rows superseded by a later row (null: none)
 * @param headline the headline metrics ({@link Headline}; null when the run has none)
 * @param other every other metric (null when there is none)
 * @param samples per-sample perplexity histograms and quantiles (null when there are none)
 */
record HtmlPage(
        String name,
        String dir,
        String generated,
        int rows,
        int policies,
        Skipped skipped,
        Integer duplicates,
        boolean noRows,
        List<ProgressRow> progress,
        Part headline,
        Part other,
        Samples samples,
        List<Definition> glossary,
        List<RunFile> runFiles) {

    /** Lines of metrics.jsonl that were skipped. */
    record Skipped(int count, List<String> lines) {}

    /** The generations one (policy, seed) has rows for, e.g. "base, 0–4". */
    record ProgressRow(String policy, int seed, String generations) {}

    /**
     * A group of (split, metric)s: their plots vs generation, their comparison with the baseline
     * and their summary tables.
     *
     * @param collapsed shown folded ({@code <details>}) under {@code title}
     * @param compare null when there is nothing to compare
     */
    record Part(
            String title,
            String intro,
            boolean collapsed,
            List<Figure> plots,
            Compare compare,
            List<Table> summaryTables) {}

    /**
     * Policies vs the baseline for one {@link Part}.
     *
     * @param method how the numbers are made (null: said in an earlier part)
     * @param pFloor the sentence on the floor of p (null: p can reach 0.05)
     */
    record Compare(
            String baseline,
            String method,
            String pFloor,
            List<String> notes,
            List<Figure> plots,
            List<Table> tables) {}

    /** An embedded PNG: {@code src} is its data URI. */
    record Figure(String alt, String src, String caption) {}

    /** A table with a heading; {@code cssClass} may be empty. */
    record Table(String heading, String cssClass, List<String> columns, List<Row> rows) {}

    /** One table row's cells. */
    record Row(List<String> cells) {}

    /** Per-sample perplexity: histograms and a quantile table per split. */
    record Samples(int bins, List<Figure> histograms, List<Quantiles> quantiles) {}

    /** One split's per-sample perplexity quantiles. */
    record Quantiles(String split, List<QuantileRow> rows) {}

    /** One (policy, generation)'s N and quantiles (formatted). */
    record QuantileRow(String policy, String generation, int n, List<String> values) {}

    /** One metric of the glossary. */
    record Definition(String name, String arrow, String unit, String description) {}

    /** A file of the run directory shown as text. */
    record RunFile(String name, String text) {}
}
