package dev.ouroboros.eval.report;

import dev.ouroboros.eval.metrics.MetricDef;
import dev.ouroboros.eval.metrics.MetricDefs;
import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG plots with XChart. Metric vs generation: one line per policy (the mean over seeds), a 95% CI
 * band, faint per-seed lines, n in the legend, log y for perplexities. Per-sample perplexity
 * histograms: one panel per policy, generations overlaid on shared log-spaced bins.
 */
public final class Plots {
    /** Okabe–Ito, colour-blind safe. */
    private static final Color[] PALETTE = {
        new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
        new Color(0xE69F00), new Color(0x56B4E9), new Color(0xF0E442), new Color(0x000000)
    };

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {}

    /** One rendered plot. */
    public record Png(String fileName, String title, byte[] bytes) {}

    /** Colour of the i-th policy. */
    static Color color(int i) {
        return PALETTE[i % PALETTE.length];
    }

    private static Color alpha(Color c, int a) {
        return new Color(c.getRed(), c.getGreen(), c.getBlue(), a);
    }

    /** {@code <metric>-vs-generation[-<split>].png}; the split is left out for {@code test}. */
    public static String fileName(String metric, String split) {
        return safe(metric)
                + "-vs-generation"
                + (split.equals("test") ? "" : "-" + safe(split))
                + ".png";
    }

    /** Keeps file names portable: anything but [A-Za-z0-9._-] becomes '_'. */
    static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** Metric vs generation for one split; policies in {@code policies} order fix the colours. */
    public static Png metricVsGeneration(
            Summary s, List<String> policies, String split, String metric) {
        Optional<MetricDef> def = MetricDefs.find(metric);
        boolean log = def.map(MetricDef::logScale).orElse(false);
        String arrow = def.map(d -> d.better().arrow()).orElse("?");
        String title = metric + " " + arrow + " vs generation (" + split + ")";
        FittedChart c =
                new FittedChart(
                        new XYChartBuilder()
                                .width(800)
                                .height(500)
                                .title(title)
                                .xAxisTitle("generation")
                                .yAxisTitle(
                                        metric + def.map(d -> " [" + d.unit() + "]").orElse("")));
        style(c);
        c.getStyler().setYAxisLogarithmic(log);
        boolean any = false;
        for (int pi = 0; pi < policies.size(); pi++) {
            String p = policies.get(pi);
            List<Summary.Cell> cells =
                    s.cells().stream()
                            .filter(
                                    x ->
                                            x.policy().equals(p)
                                                    && x.split().equals(split)
                                                    && x.metric().equals(metric))
                            .toList();
            if (cells.isEmpty()) {
                continue;
            }
            any = true;
            Color col = color(pi);
            // faint per-seed lines
            SortedMap<Integer, List<double[]>> bySeed = new TreeMap<>();
            for (Summary.Cell cell : cells) {
                cell.seedValues()
                        .forEach(
                                (seed, v) ->
                                        bySeed.computeIfAbsent(seed, k -> new ArrayList<>())
                                                .add(new double[] {cell.generation(), v}));
            }
            for (Map.Entry<Integer, List<double[]>> e : bySeed.entrySet()) {
                XYSeries ss =
                        c.addSeries(
                                p + " seed " + e.getKey(),
                                col(e.getValue(), 0),
                                col(e.getValue(), 1));
                ss.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
                ss.setMarker(SeriesMarkers.NONE);
                ss.setLineColor(alpha(col, 70));
                ss.setLineWidth(1f);
                ss.setShowInLegend(false);
            }
            // CI band (cells with n ≥ 2)
            List<Summary.Cell> withCi = cells.stream().filter(x -> x.n() > 1).toList();
            band(
                    c,
                    p,
                    col,
                    withCi.stream().mapToDouble(Summary.Cell::generation).toArray(),
                    withCi.stream().mapToDouble(Summary.Cell::ciHi).toArray(),
                    withCi.stream() // a log axis cannot show ≤ 0
                            .mapToDouble(x -> log ? Math.max(x.ciLo(), x.center() / 10) : x.ciLo())
                            .toArray());
            meanLine(
                    c,
                    p + " (" + nLabel(cells.stream().mapToInt(Summary.Cell::n).toArray()) + ")",
                    col,
                    cells.stream().mapToDouble(Summary.Cell::generation).toArray(),
                    cells.stream().mapToDouble(Summary.Cell::center).toArray());
        }
        if (!any) {
            throw new IllegalArgumentException("no cells for " + metric + " on " + split);
        }
        c.fitGenerationAxis();
        c.fitValueAxis(log, 500 - FittedChart.LEGEND_LINE * policies.size());
        return new Png(fileName(metric, split), title, encode(c));
    }

    /** {@code diff-<metric>-vs-generation[-<split>].png}. */
    public static String differenceFileName(String metric, String split) {
        return "diff-" + fileName(metric, split);
    }

    /**
     * Policy − baseline vs generation for one split and metric: one line per policy (the mean
     * paired difference), its 95% paired-t band where n ≥ 2, and a dashed zero line (the baseline).
     * Colours follow {@code colourOrder}, as in {@link #metricVsGeneration}.
     */
    public static Png differenceVsGeneration(
            Comparison cmp, List<String> colourOrder, String split, String metric) {
        Optional<MetricDef> def = MetricDefs.find(metric);
        String arrow = def.map(d -> d.better().arrow()).orElse("?");
        boolean ratio =
                cmp.differences().stream()
                        .anyMatch(
                                d ->
                                        d.split().equals(split)
                                                && d.metric().equals(metric)
                                                && d.ratio());
        String title =
                metric
                        + " "
                        + arrow
                        + ": policy "
                        + (ratio ? "/ " : "− ")
                        + cmp.baseline()
                        + " ("
                        + split
                        + ")";
        FittedChart c =
                new FittedChart(
                        new XYChartBuilder()
                                .width(800)
                                .height(500)
                                .title(title)
                                .xAxisTitle("generation")
                                .yAxisTitle(
                                        ratio
                                                ? "ratio to " + cmp.baseline() + " (geometric mean)"
                                                : "difference to "
                                                        + cmp.baseline()
                                                        + def.map(d -> " [" + d.unit() + "]")
                                                                .orElse("")));
        style(c);
        c.getStyler().setYAxisLogarithmic(ratio);
        List<Integer> gens = new ArrayList<>(cmp.generations(split, metric));
        if (gens.isEmpty()) {
            throw new IllegalArgumentException("no differences for " + metric + " on " + split);
        }
        baselineLine(c, cmp.baseline(), gens.get(0), gens.get(gens.size() - 1), ratio ? 1 : 0);
        for (String p : cmp.others()) {
            List<PairedDifference> ds =
                    cmp.differences().stream()
                            .filter(
                                    d ->
                                            d.policy().equals(p)
                                                    && d.split().equals(split)
                                                    && d.metric().equals(metric))
                            .toList();
            if (ds.isEmpty()) {
                continue;
            }
            Color col = color(Math.max(0, colourOrder.indexOf(p)));
            List<PairedDifference> withCi = ds.stream().filter(d -> d.n() > 1).toList();
            band(
                    c,
                    p,
                    col,
                    withCi.stream().mapToDouble(PairedDifference::generation).toArray(),
                    withCi.stream().mapToDouble(PairedDifference::ciHi).toArray(),
                    withCi.stream().mapToDouble(PairedDifference::ciLo).toArray());
            String n = nLabel(ds.stream().mapToInt(PairedDifference::n).toArray());
            meanLine(
                    c,
                    p + (ratio ? " / " : " − ") + cmp.baseline() + " (" + n + " pairs)",
                    col,
                    ds.stream().mapToDouble(PairedDifference::generation).toArray(),
                    ds.stream().mapToDouble(PairedDifference::estimate).toArray());
        }
        c.fitGenerationAxis();
        c.fitValueAxis(ratio, 500 - FittedChart.LEGEND_LINE * (cmp.others().size() + 1));
        return new Png(differenceFileName(metric, split), title, encode(c));
    }

    /**
     * A 95% CI band through (gens, hi) and back through (gens, lo); none for fewer than 2 points.
     */
    private static void band(
            FittedChart c, String policy, Color col, double[] gens, double[] hi, double[] lo) {
        int k = gens.length;
        if (k < 2) {
            return;
        }
        double[] bx = new double[2 * k];
        double[] by = new double[2 * k];
        for (int i = 0; i < k; i++) {
            bx[i] = gens[i];
            by[i] = hi[i];
            bx[k + i] = gens[k - 1 - i];
            by[k + i] = lo[k - 1 - i];
        }
        XYSeries band = c.addSeries(policy + " 95% CI", bx, by);
        band.setXYSeriesRenderStyle(XYSeriesRenderStyle.PolygonArea);
        band.setMarker(SeriesMarkers.NONE);
        band.setFillColor(alpha(col, 45));
        band.setLineColor(alpha(col, 0));
        band.setShowInLegend(false);
    }

    /** A policy's central line with markers. */
    private static void meanLine(FittedChart c, String name, Color col, double[] x, double[] y) {
        XYSeries mean = c.addSeries(name, x, y);
        mean.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
        mean.setMarker(SeriesMarkers.CIRCLE);
        mean.setMarkerColor(col);
        mean.setLineColor(col);
        mean.setLineWidth(2.5f);
    }

    /** {@code n=3}, or {@code n=2–3} when the cells differ. */
    private static String nLabel(int[] ns) {
        int min = java.util.Arrays.stream(ns).min().orElse(0);
        int max = java.util.Arrays.stream(ns).max().orElse(0);
        return min == max ? "n=" + min : "n=" + min + "–" + max;
    }

    /** The baseline's dashed horizontal line at {@code y} from generation g0 to g1. */
    private static void baselineLine(
            FittedChart c, String baseline, double g0, double g1, double y) {
        XYSeries zero =
                c.addSeries(
                        baseline + " (baseline)",
                        new double[] {g0, g1 == g0 ? g0 + 1e-9 : g1},
                        new double[] {y, y});
        zero.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
        zero.setMarker(SeriesMarkers.NONE);
        zero.setLineColor(new Color(0x777777));
        zero.setLineStyle(
                new java.awt.BasicStroke(
                        1.5f,
                        java.awt.BasicStroke.CAP_BUTT,
                        java.awt.BasicStroke.JOIN_MITER,
                        10f,
                        new float[] {6f, 4f},
                        0f));
    }

    /**
     * Histograms of per-sample perplexity: one panel per policy (side by side in one PNG), one step
     * line per generation (light to dark), each the share of that generation's samples (pooled over
     * seeds) per bin.
     *
     * @param data policy → generation → values (pooled over seeds)
     * @param edges shared log-spaced edges ({@link Distribution#logEdges})
     */
    public static Png histograms(
            String split, Map<String, SortedMap<Integer, double[]>> data, double[] edges) {
        List<XYChart> panels = new ArrayList<>();
        int maxGen =
                data.values().stream()
                        .flatMap(m -> m.keySet().stream())
                        .mapToInt(Integer::intValue)
                        .max()
                        .orElse(0);
        for (Map.Entry<String, SortedMap<Integer, double[]>> e : data.entrySet()) {
            FittedChart c =
                    new FittedChart(
                            new XYChartBuilder()
                                    .width(600)
                                    .height(420)
                                    .title(
                                            e.getKey()
                                                    + ": per-sample ppl ("
                                                    + split
                                                    + ", gen-0 scorer)")
                                    .xAxisTitle("perplexity under the generation-0 model (log)")
                                    .yAxisTitle("share of samples"));
            style(c);
            c.getStyler().setXAxisLogarithmic(true);
            // shared edges: every panel gets the same round ticks
            Ticks.Axis axis =
                    Ticks.log(
                            edges[0],
                            edges[edges.length - 1],
                            Ticks.maxTicks(
                                    600 - FittedChart.PLOT_MARGIN_X, FittedChart.MIN_X_SPACING));
            c.getStyler().setXAxisMin(axis.lo());
            c.getStyler().setXAxisMax(axis.hi());
            c.getStyler().setXAxisLogarithmicDecadeOnly(axis.decadesOnly());
            c.getStyler().setXAxisTickLabelsFormattingFunction(axis::label);
            for (Map.Entry<Integer, double[]> g : e.getValue().entrySet()) {
                long[] h = Distribution.histogram(g.getValue(), edges);
                double total = g.getValue().length;
                // a step outline: (e_i, h_i) → (e_{i+1}, h_i)
                double[] x = new double[2 * h.length];
                double[] y = new double[2 * h.length];
                for (int i = 0; i < h.length; i++) {
                    x[2 * i] = edges[i];
                    x[2 * i + 1] = edges[i + 1];
                    y[2 * i] = y[2 * i + 1] = total == 0 ? 0 : h[i] / total;
                }
                XYSeries s =
                        c.addSeries("gen " + g.getKey() + " (N=" + g.getValue().length + ")", x, y);
                s.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
                s.setMarker(SeriesMarkers.NONE);
                s.setLineColor(generationColor(g.getKey(), maxGen));
                s.setLineWidth(2f);
            }
            c.fitValueAxis(false, 420 - FittedChart.LEGEND_LINE * e.getValue().size());
            panels.add(c);
        }
        int cols = Math.min(3, Math.max(1, panels.size()));
        int rows = (panels.size() + cols - 1) / cols;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            BitmapEncoder.saveBitmap(panels, rows, cols, out, BitmapFormat.PNG);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return new Png(
                "per-sample-ppl-histogram-" + safe(split) + ".png",
                "Per-sample perplexity (" + split + ") by generation",
                out.toByteArray());
    }

    /** From light yellow-green (generation 0) to dark blue (the last), viridis-like. */
    static Color generationColor(int g, int maxGen) {
        double t = maxGen == 0 ? 0 : (double) g / maxGen;
        Color a = new Color(0x440154);
        Color m = new Color(0x21918C);
        Color b = new Color(0xB5DE2B);
        Color from = t < 0.5 ? b : m;
        Color to = t < 0.5 ? m : a;
        double u = t < 0.5 ? t * 2 : (t - 0.5) * 2;
        return new Color(
                (int) Math.round(from.getRed() + u * (to.getRed() - from.getRed())),
                (int) Math.round(from.getGreen() + u * (to.getGreen() - from.getGreen())),
                (int) Math.round(from.getBlue() + u * (to.getBlue() - from.getBlue())));
    }

    private static double[] col(List<double[]> pts, int j) {
        return pts.stream().mapToDouble(p -> p[j]).toArray();
    }

    private static void style(XYChart c) {
        c.getStyler().setLegendPosition(LegendPosition.OutsideS);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setPlotBackgroundColor(Color.WHITE);
        c.getStyler().setPlotGridLinesColor(new Color(0xE0E0E0));
        c.getStyler().setLegendBorderColor(Color.WHITE);
        c.getStyler().setChartTitleBoxVisible(false);
        c.getStyler().setPlotBorderVisible(false);
        c.getStyler().setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        c.getStyler().setAntiAlias(true);
        c.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        c.getStyler().setAxisTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        c.getStyler().setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    }

    private static byte[] encode(XYChart c) {
        try {
            return BitmapEncoder.getBitmapBytes(c, BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Policies in sorted order (fixes the colours). */
    static List<String> policyOrder(Summary s) {
        return new ArrayList<>(new TreeSet<>(s.policies()));
    }
}
