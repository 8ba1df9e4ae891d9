package dev.ouroboros.eval.report;

import dev.ouroboros.eval.metrics.MetricDef;
import dev.ouroboros.eval.metrics.MetricDefs;
import dev.ouroboros.eval.metrics.MetricsLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;

/** index.html: one self-contained page (inline CSS, PNGs as data URIs, nothing fetched). */
final class HtmlReport {
    private static final long MAX_EMBED_BYTES = 1 << 20;

    private static final String CSS =
            """
      body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1320px;
        padding:0 16px;color:#222}
      h1{font-size:24px;margin-bottom:4px} h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
      h3{font-size:15px;margin:18px 0 6px}
      .meta{color:#666} .warn{background:#fff4e5;border-left:4px solid #e69f00;padding:6px 10px}
      .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(600px,1fr));gap:16px}
      figure{margin:0;border:1px solid #eee;padding:6px;background:#fff} figure img{width:100%;height:auto}
      figcaption{color:#555;font-size:12px}
      table{border-collapse:collapse;margin:4px 0 14px;font-variant-numeric:tabular-nums}
      th,td{border:1px solid #ddd;padding:3px 8px;text-align:right;white-space:nowrap} th{background:#f5f5f5}
      td.l,th.l{text-align:left} td.d{white-space:normal}
      pre{background:#f7f7f7;border:1px solid #eee;padding:8px;overflow:auto;max-height:420px;font-size:12px}
      .tables{display:flex;flex-wrap:wrap;gap:0 28px;align-items:flex-start}
      """;

    private HtmlReport() {}

    static String render(
            Path dir,
            MetricsLog.Read read,
            Summary summary,
            Report.Samples samples,
            List<Plots.Png> plots,
            Comparison comparison,
            List<Plots.Png> differencePlots,
            List<Plots.Png> histograms,
            Instant now) {
        StringBuilder b = new StringBuilder(64 * 1024);
        header(b, dir, read, summary, now);
        progress(b, read);
        plots(b, plots);
        comparisonSection(b, comparison, differencePlots);
        histograms(b, histograms, samples);
        summaryTables(b, summary);
        glossary(b, summary);
        runFiles(b, dir);
        return b.toString();
    }

    /** Title, where the rows came from, and warnings about skipped or superseded rows. */
    private static void header(
            StringBuilder b, Path dir, MetricsLog.Read read, Summary summary, Instant now) {
        String name = String.valueOf(dir.getFileName());
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
                .append("<title>Ouroboros report: ")
                .append(esc(name))
                .append("</title><style>")
                .append(CSS)
                .append("</style></head><body>\n");
        b.append("<h1>Ouroboros report: ")
                .append(esc(name))
                .append("</h1>\n<p class=\"meta\">")
                .append(esc(dir.toString()))
                .append(" · generated ")
                .append(esc(now.toString()))
                .append(" · ")
                .append(read.rows().size())
                .append(" rows from ")
                .append(MetricsLog.FILE)
                .append(" · ")
                .append(summary.policies().size())
                .append(" policies</p>\n");
        if (!read.skipped().isEmpty()) {
            b.append("<p class=\"warn\">")
                    .append(read.skipped().size())
                    .append(
                            " line(s) of metrics.jsonl were skipped (not complete JSON, e.g. a writer killed mid-line, or holding NaN): ");
            read.skipped().forEach(s -> b.append("<br>").append(esc(s)));
            b.append("</p>\n");
        }
        if (summary.duplicates() > 0) {
            b.append("<p class=\"warn\">")
                    .append(summary.duplicates())
                    .append(
                            " row(s) superseded by a later row for the same policy, seed, generation and split (re-evaluated on"
                                    + " resume); the later row is used.</p>\n");
        }
        if (read.rows().isEmpty()) {
            b.append(
                    "<p class=\"warn\">No metrics rows yet: the run has not finished evaluating any generation.</p>\n");
        }
    }

    /** Generations with rows, per policy and seed. */
    private static void progress(StringBuilder b, MetricsLog.Read read) {
        Map<String, SortedMap<Integer, SortedSet<Integer>>> progress = Report.progress(read.rows());
        if (!progress.isEmpty()) {
            b.append(
                    "<h2>Progress</h2>\n<p>Generations with at least one row, per policy and seed (a run still going or"
                            + " killed shows gaps).</p>\n<table><tr><th class=\"l\">policy</th><th>seed</th><th class=\"l\">generations</th></tr>\n");
            progress.forEach(
                    (p, seeds) ->
                            seeds.forEach(
                                    (seed, gens) ->
                                            b.append("<tr><td class=\"l\">")
                                                    .append(esc(p))
                                                    .append("</td><td>")
                                                    .append(seed)
                                                    .append("</td><td class=\"l\">")
                                                    .append(esc(ranges(gens)))
                                                    .append("</td></tr>\n")));
            b.append("</table>\n");
        }
    }

    private static void plots(StringBuilder b, List<Plots.Png> plots) {
        if (!plots.isEmpty()) {
            b.append(
                    "<h2>Metrics vs generation</h2>\n<p>Thick line: mean over seeds; band: 95% Student-t CI; faint lines:"
                            + " single seeds; n = seeds in the legend. Perplexities on a log axis.</p>\n<div class=\"grid\">\n");
            plots.forEach(p -> figure(b, p));
            b.append("</div>\n");
        }
    }

    /** Per-sample perplexity histograms and each split's quantiles. */
    private static void histograms(
            StringBuilder b, List<Plots.Png> histograms, Report.Samples samples) {
        if (!histograms.isEmpty()) {
            b.append(
                            "<h2>Per-sample perplexity</h2>\n<p>Each generation's samples scored by the generation-0 model,"
                                    + " pooled over seeds, on shared log-spaced bins (")
                    .append(Report.HISTOGRAM_BINS)
                    .append(" bins).</p>\n");
            histograms.forEach(p -> figure(b, p));
            samples.bySplit()
                    .forEach(
                            (split, byPolicy) -> {
                                b.append("<h3>Quantiles — ")
                                        .append(esc(split))
                                        .append(" (type 7: linear between order statistics)</h3>\n")
                                        .append(
                                                "<table><tr><th class=\"l\">policy</th><th>generation</th><th>N</th><th>p10</th><th>p50</th><th>p90</th></tr>\n");
                                byPolicy.forEach(
                                        (policy, byGen) ->
                                                byGen.forEach(
                                                        (gen, v) -> {
                                                            b.append("<tr><td class=\"l\">")
                                                                    .append(esc(policy))
                                                                    .append("</td><td>")
                                                                    .append(gen)
                                                                    .append("</td><td>")
                                                                    .append(v.length)
                                                                    .append("</td>");
                                                            for (double q : Report.QUANTILES) {
                                                                b.append("<td>")
                                                                        .append(
                                                                                Summary.fmt(
                                                                                        Distribution
                                                                                                .quantile(
                                                                                                        v,
                                                                                                        q)))
                                                                        .append("</td>");
                                                            }
                                                            b.append("</tr>\n");
                                                        }));
                                b.append("</table>\n");
                            });
        }
    }

    /** mean ± CI per policy, generation, split and metric. */
    private static void summaryTables(StringBuilder b, Summary summary) {
        if (!summary.cells().isEmpty()) {
            b.append(
                    "<h2>Summary tables</h2>\n<p>mean ± 95% CI half-width (t<sub>0.975, n−1</sub>·s/√n) over n seeds;"
                            + " also in <code>summary.csv</code> and <code>summary.md</code>.</p>\n<div class=\"tables\">\n");
            List<String> policies = Plots.policyOrder(summary);
            for (List<String> sm : summary.splitMetrics()) {
                String split = sm.get(0);
                String metric = sm.get(1);
                Optional<MetricDef> d = MetricDefs.find(metric);
                b.append("<div><h3>")
                        .append(esc(metric))
                        .append(' ')
                        .append(d.map(x -> x.better().arrow()).orElse("?"))
                        .append(" — ")
                        .append(esc(split))
                        .append("</h3>\n<table class=\"summary\"><tr><th>generation</th>");
                policies.forEach(p -> b.append("<th>").append(esc(p)).append("</th>"));
                b.append("</tr>\n");
                for (int g : summary.generations(split, metric)) {
                    b.append("<tr><td>").append(Summary.generationLabel(g)).append("</td>");
                    for (String p : policies) {
                        b.append("<td>")
                                .append(
                                        esc(
                                                summary.cell(p, g, split, metric)
                                                        .map(Summary::meanCi)
                                                        .orElse("")))
                                .append("</td>");
                    }
                    b.append("</tr>\n");
                }
                b.append("</table></div>\n");
            }
            b.append("</div>\n");
        }
    }

    /** The definitions of the metrics present. */
    private static void glossary(StringBuilder b, Summary summary) {
        Set<String> present = new LinkedHashSet<>();
        summary.splitMetrics().forEach(sm -> present.add(sm.get(1)));
        if (!present.isEmpty()) {
            b.append(
                    "<h2>Metrics</h2>\n<table><tr><th class=\"l\">metric</th><th>better</th><th class=\"l\">unit</th>"
                            + "<th class=\"l\">definition</th></tr>\n");
            for (String m : present) {
                Optional<MetricDef> d = MetricDefs.find(m);
                b.append("<tr><td class=\"l\"><code>")
                        .append(esc(d.map(MetricDef::versionedName).orElse(m)))
                        .append("</code></td><td>")
                        .append(d.map(x -> x.better().arrow()).orElse("?"))
                        .append("</td><td class=\"l\">")
                        .append(esc(d.map(MetricDef::unit).orElse("")))
                        .append("</td><td class=\"l d\">")
                        .append(
                                esc(
                                        d.map(MetricDef::description)
                                                .orElse(
                                                        "not in the registry of this Ouroboros version")))
                        .append("</td></tr>\n");
            }
            b.append(
                    "</table>\n<p>↑ higher is better · ↓ lower is better · “·” compare with the real reference. See"
                            + " docs/metrics.md for exact definitions.</p>\n");
        }
    }

    /** The run's config, manifest and merge record, and the page's footer. */
    private static void runFiles(StringBuilder b, Path dir) {
        for (String f : List.of("config.resolved.yaml", "manifest.json", "merge.json")) {
            Path p = dir.resolve(f);
            if (Files.isRegularFile(p)) {
                b.append("<h2>")
                        .append(f)
                        .append("</h2>\n<pre>")
                        .append(esc(readCapped(p)))
                        .append("</pre>\n");
            }
        }
        b.append(
                "<p class=\"meta\">Made by <code>ouro report</code>. Self-contained: nothing on this page is"
                        + " fetched from the network.</p>\n</body></html>\n");
    }

    /** Policies vs the baseline: the method, left-out seeds, the plots, one table per metric. */
    private static void comparisonSection(
            StringBuilder b, Comparison cmp, List<Plots.Png> differencePlots) {
        if (cmp.baseline() == null || cmp.others().isEmpty()) {
            return;
        }
        b.append("<h2>Policies vs the baseline (<code>")
                .append(esc(cmp.baseline()))
                .append("</code>)</h2>\n<p>")
                .append(esc(Comparison.method()))
                .append(
                        " Also in <code>compare.csv</code> and <code>compare.md</code>; another"
                                + " baseline: <code>ouro report --baseline POLICY</code>.</p>\n");
        cmp.pFloorNote()
                .ifPresent(n -> b.append("<p class=\"warn\">").append(esc(n)).append("</p>\n"));
        List<String> notes = cmp.notes();
        if (!notes.isEmpty()) {
            b.append("<p class=\"warn\">Seeds left out (no partner on the other side):");
            notes.forEach(n -> b.append("<br>").append(esc(n)));
            b.append("</p>\n");
        }
        if (!differencePlots.isEmpty()) {
            b.append("<div class=\"grid\">\n");
            differencePlots.forEach(p -> figure(b, p));
            b.append("</div>\n");
        }
        b.append("<div class=\"tables\">\n");
        for (List<String> sm : cmp.splitMetrics()) {
            String split = sm.get(0);
            String metric = sm.get(1);
            b.append("<div><h3>")
                    .append(esc(metric))
                    .append(' ')
                    .append(MetricDefs.find(metric).map(x -> x.better().arrow()).orElse("?"))
                    .append(" — ")
                    .append(esc(split))
                    .append(": policy − ")
                    .append(esc(cmp.baseline()))
                    .append("</h3>\n<table class=\"compare\"><tr><th>generation</th>");
            cmp.others().forEach(p -> b.append("<th>").append(esc(p)).append("</th>"));
            b.append("</tr>\n");
            for (int g : cmp.generations(split, metric)) {
                b.append("<tr><td>").append(Summary.generationLabel(g)).append("</td>");
                for (String p : cmp.others()) {
                    b.append("<td>")
                            .append(
                                    esc(
                                            cmp.difference(p, g, split, metric)
                                                    .map(PairedDifference::text)
                                                    .orElse("")))
                            .append("</td>");
                }
                b.append("</tr>\n");
            }
            b.append("</table></div>\n");
        }
        b.append("</div>\n");
    }

    private static void figure(StringBuilder b, Plots.Png p) {
        b.append("<figure><img alt=\"")
                .append(esc(p.title()))
                .append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(p.bytes()))
                .append("\"><figcaption>plots/")
                .append(esc(p.fileName()))
                .append("</figcaption></figure>\n");
    }

    private static String readCapped(Path p) {
        try {
            byte[] all = Files.readAllBytes(p);
            String s =
                    new String(
                            all,
                            0,
                            (int) Math.min(all.length, MAX_EMBED_BYTES),
                            StandardCharsets.UTF_8);
            return all.length > MAX_EMBED_BYTES ? s + "\n… (truncated at 1 MiB)" : s;
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** 0–3, 5, 7–9; {@code base} first for {@link Summary#BASE_GENERATION}. */
    static String ranges(SortedSet<Integer> xs) {
        List<String> parts = new ArrayList<>();
        if (xs.contains(Summary.BASE_GENERATION)) {
            parts.add("base");
            xs = xs.tailSet(0);
        }
        Integer start = null;
        Integer prev = null;
        for (int x : xs) {
            if (start == null) {
                start = x;
            } else if (x != prev + 1) {
                parts.add(start.equals(prev) ? "" + start : start + "–" + prev);
                start = x;
            }
            prev = x;
        }
        if (start != null) {
            parts.add(start.equals(prev) ? "" + start : start + "–" + prev);
        }
        return String.join(", ", parts);
    }

    /** HTML-escapes text content and attribute values. */
    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
