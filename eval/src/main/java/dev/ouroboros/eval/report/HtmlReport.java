package dev.ouroboros.eval.report;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import com.github.mustachejava.MustacheException;
import dev.ouroboros.eval.metrics.MetricDef;
import dev.ouroboros.eval.metrics.MetricDefs;
import dev.ouroboros.eval.metrics.MetricsLog;
import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.function.Predicate;

/**
 * index.html: one self-contained page (inline CSS, PNGs as data URIs, nothing fetched), rendered
 * from the logic-less template {@code index.html.mustache} (beside this class in the resources)
 * with an {@link HtmlPage} built here. Every value is HTML-escaped by the template engine ({@link
 * #esc}).
 */
final class HtmlReport {
    private static final long MAX_EMBED_BYTES = 1 << 20;

    /** The templates, escaping with {@link #esc}. */
    private static final Mustache TEMPLATE =
            new DefaultMustacheFactory("dev/ouroboros/eval/report") {
                @Override
                public void encode(String value, Writer writer) {
                    try {
                        writer.write(esc(value));
                    } catch (IOException e) {
                        throw new MustacheException("writing index.html failed", e);
                    }
                }
            }.compile("index.html.mustache");

    private HtmlReport() {}

    static String render(
            Path dir,
            MetricsLog.Read read,
            Summary summary,
            Report.Samples samples,
            Map<List<String>, Plots.Png> plots,
            Comparison comparison,
            Map<List<String>, Plots.Png> differencePlots,
            List<Plots.Png> histograms,
            Instant now) {
        HtmlPage page =
                page(
                        dir,
                        read,
                        summary,
                        samples,
                        plots,
                        comparison,
                        differencePlots,
                        histograms,
                        now);
        StringWriter w = new StringWriter(64 * 1024);
        TEMPLATE.execute(w, page);
        return w.toString();
    }

    static HtmlPage page(
            Path dir,
            MetricsLog.Read read,
            Summary summary,
            Report.Samples samples,
            Map<List<String>, Plots.Png> plots,
            Comparison comparison,
            Map<List<String>, Plots.Png> differencePlots,
            List<Plots.Png> histograms,
            Instant now) {
        Parts parts = new Parts(summary, plots, comparison, differencePlots);
        HtmlPage.Part headline =
                parts.part(
                        Headline::is,
                        "Headline metrics",
                        "Test perplexity and the diversity of the generated text (distinct-2,"
                                + " MATTR, self-BLEU); every other metric follows below.",
                        false,
                        true);
        HtmlPage.Part other =
                parts.part(
                        Predicate.not(Headline::is),
                        headline == null ? "Metrics" : "All other metrics",
                        headline == null
                                ? ""
                                : "Every other metric and split (the real text only as a reference:"
                                        + " it is never compared).",
                        headline != null,
                        headline == null);
        return new HtmlPage(
                String.valueOf(dir.getFileName()),
                dir.toString(),
                now.toString(),
                read.rows().size(),
                summary.policies().size(),
                read.skipped().isEmpty()
                        ? null
                        : new HtmlPage.Skipped(read.skipped().size(), read.skipped()),
                summary.duplicates() > 0 ? summary.duplicates() : null,
                read.rows().isEmpty(),
                progress(read),
                headline,
                other,
                samples(histograms, samples),
                glossary(summary),
                runFiles(dir));
    }

    /** The parts of the page: metric plots, comparison and summary tables per (split, metric). */
    private record Parts(
            Summary summary,
            Map<List<String>, Plots.Png> plots,
            Comparison cmp,
            Map<List<String>, Plots.Png> differencePlots) {

        /** The part of the (split, metric)s that {@code which} takes; null when none. */
        HtmlPage.Part part(
                Predicate<List<String>> which,
                String title,
                String intro,
                boolean collapsed,
                boolean explain) {
            List<List<String>> sms =
                    summary.splitMetrics().stream()
                            .filter(which)
                            .sorted(
                                    Comparator.comparingInt(
                                            sm -> Headline.rank(sm.get(0), sm.get(1))))
                            .toList();
            if (sms.isEmpty()) {
                return null;
            }
            List<HtmlPage.Figure> figures =
                    sms.stream()
                            .filter(plots::containsKey)
                            .map(sm -> figure(plots.get(sm)))
                            .toList();
            List<HtmlPage.Table> tables = sms.stream().map(this::summaryTable).toList();
            return new HtmlPage.Part(
                    title, intro, collapsed, figures, compare(sms, explain), tables);
        }

        private HtmlPage.Compare compare(List<List<String>> sms, boolean explain) {
            if (cmp.baseline() == null || cmp.others().isEmpty()) {
                return null;
            }
            List<List<String>> compared =
                    sms.stream().filter(cmp.splitMetrics()::contains).toList();
            if (compared.isEmpty() && !explain) {
                return null;
            }
            return new HtmlPage.Compare(
                    cmp.baseline(),
                    explain ? Comparison.method() : null,
                    explain ? cmp.pFloorNote().orElse(null) : null,
                    explain ? cmp.notes() : List.of(),
                    compared.stream()
                            .filter(differencePlots::containsKey)
                            .map(sm -> figure(differencePlots.get(sm)))
                            .toList(),
                    compared.stream().map(this::comparisonTable).toList());
        }

        /** mean ± CI per generation (rows) and policy (columns). */
        private HtmlPage.Table summaryTable(List<String> sm) {
            String split = sm.get(0);
            String metric = sm.get(1);
            List<String> policies = Plots.policyOrder(summary);
            List<String> columns = new ArrayList<>(List.of("generation"));
            columns.addAll(policies);
            List<HtmlPage.Row> rows = new ArrayList<>();
            for (int g : summary.generations(split, metric)) {
                List<String> cells = new ArrayList<>(List.of(Summary.generationLabel(g)));
                for (String p : policies) {
                    cells.add(summary.cell(p, g, split, metric).map(Summary::meanCi).orElse(""));
                }
                rows.add(new HtmlPage.Row(cells));
            }
            return new HtmlPage.Table(heading(split, metric), "summary", columns, rows);
        }

        /** Policy − baseline per generation (rows) and policy (columns). */
        private HtmlPage.Table comparisonTable(List<String> sm) {
            String split = sm.get(0);
            String metric = sm.get(1);
            List<String> columns = new ArrayList<>(List.of("generation"));
            columns.addAll(cmp.others());
            List<HtmlPage.Row> rows = new ArrayList<>();
            for (int g : cmp.generations(split, metric)) {
                List<String> cells = new ArrayList<>(List.of(Summary.generationLabel(g)));
                for (String p : cmp.others()) {
                    cells.add(
                            cmp.difference(p, g, split, metric)
                                    .map(PairedDifference::text)
                                    .orElse(""));
                }
                rows.add(new HtmlPage.Row(cells));
            }
            String vs =
                    Summary.logScale(metric)
                            ? ": policy / " + cmp.baseline() + " (ratio)"
                            : ": policy − " + cmp.baseline();
            return new HtmlPage.Table(heading(split, metric) + vs, "compare", columns, rows);
        }
    }

    private static String heading(String split, String metric) {
        return metric
                + " "
                + MetricDefs.find(metric).map(x -> x.better().arrow()).orElse("?")
                + " — "
                + split;
    }

    /** Generations with rows, per policy and seed. */
    private static List<HtmlPage.ProgressRow> progress(MetricsLog.Read read) {
        List<HtmlPage.ProgressRow> out = new ArrayList<>();
        Map<String, SortedMap<Integer, SortedSet<Integer>>> progress = Report.progress(read.rows());
        progress.forEach(
                (p, seeds) ->
                        seeds.forEach(
                                (seed, gens) ->
                                        out.add(new HtmlPage.ProgressRow(p, seed, ranges(gens)))));
        return out;
    }

    /** Per-sample perplexity histograms and each split's quantiles; null without histograms. */
    private static HtmlPage.Samples samples(List<Plots.Png> histograms, Report.Samples samples) {
        if (histograms.isEmpty()) {
            return null;
        }
        List<HtmlPage.Quantiles> quantiles = new ArrayList<>();
        samples.bySplit()
                .forEach(
                        (split, byPolicy) -> {
                            List<HtmlPage.QuantileRow> rows = new ArrayList<>();
                            byPolicy.forEach(
                                    (policy, byGen) ->
                                            byGen.forEach(
                                                    (gen, v) -> {
                                                        List<String> q = new ArrayList<>();
                                                        for (double p : Report.QUANTILES) {
                                                            q.add(
                                                                    Summary.fmt(
                                                                            Distribution.quantile(
                                                                                    v, p)));
                                                        }
                                                        rows.add(
                                                                new HtmlPage.QuantileRow(
                                                                        policy,
                                                                        Summary.generationLabel(
                                                                                gen),
                                                                        v.length,
                                                                        q));
                                                    }));
                            quantiles.add(new HtmlPage.Quantiles(split, rows));
                        });
        return new HtmlPage.Samples(
                Report.HISTOGRAM_BINS,
                histograms.stream().map(HtmlReport::figure).toList(),
                quantiles);
    }

    /** The definitions of the metrics present. */
    private static List<HtmlPage.Definition> glossary(Summary summary) {
        Set<String> present = new LinkedHashSet<>();
        summary.splitMetrics().forEach(sm -> present.add(sm.get(1)));
        List<HtmlPage.Definition> out = new ArrayList<>();
        for (String m : present) {
            Optional<MetricDef> d = MetricDefs.find(m);
            out.add(
                    new HtmlPage.Definition(
                            d.map(MetricDef::versionedName).orElse(m),
                            d.map(x -> x.better().arrow()).orElse("?"),
                            d.map(MetricDef::unit).orElse(""),
                            d.map(MetricDef::description)
                                    .orElse("not in the registry of this Ouroboros version")));
        }
        return out;
    }

    /** The run's config, manifest and merge record. */
    private static List<HtmlPage.RunFile> runFiles(Path dir) {
        List<HtmlPage.RunFile> out = new ArrayList<>();
        for (String f : List.of("config.resolved.yaml", "manifest.json", "merge.json")) {
            Path p = dir.resolve(f);
            if (Files.isRegularFile(p)) {
                out.add(new HtmlPage.RunFile(f, readCapped(p)));
            }
        }
        return out;
    }

    private static HtmlPage.Figure figure(Plots.Png p) {
        return new HtmlPage.Figure(
                p.title(),
                "data:image/png;base64," + Base64.getEncoder().encodeToString(p.bytes()),
                "plots/" + p.fileName());
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
