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
            if (withCi.size() > 1) {
                int k = withCi.size();
                double[] bx = new double[2 * k];
                double[] by = new double[2 * k];
                for (int i = 0; i < k; i++) {
                    Summary.Cell cell = withCi.get(i);
                    Summary.Cell back = withCi.get(k - 1 - i);
                    bx[i] = cell.generation();
                    by[i] = cell.ciHi();
                    bx[k + i] = back.generation();
                    by[k + i] =
                            log
                                    ? Math.max(back.ciLo(), back.center() / 10)
                                    : back.ciLo(); // a log axis cannot show ≤ 0
                }
                XYSeries band = c.addSeries(p + " 95% CI", bx, by);
                band.setXYSeriesRenderStyle(XYSeriesRenderStyle.PolygonArea);
                band.setMarker(SeriesMarkers.NONE);
                band.setFillColor(alpha(col, 45));
                band.setLineColor(alpha(col, 0));
                band.setShowInLegend(false);
            }
            int nMin = cells.stream().mapToInt(Summary.Cell::n).min().orElse(0);
            int nMax = cells.stream().mapToInt(Summary.Cell::n).max().orElse(0);
            String n = nMin == nMax ? "n=" + nMin : "n=" + nMin + "–" + nMax;
            double[] gx = cells.stream().mapToDouble(Summary.Cell::generation).toArray();
            double[] gy = cells.stream().mapToDouble(Summary.Cell::center).toArray();
            XYSeries mean = c.addSeries(p + " (" + n + ")", gx, gy);
            mean.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
            mean.setMarker(SeriesMarkers.CIRCLE);
            mean.setMarkerColor(col);
            mean.setLineColor(col);
            mean.setLineWidth(2.5f);
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
        double g0 = gens.get(0);
        double g1 = gens.get(gens.size() - 1);
        XYSeries zero =
                c.addSeries(
                        cmp.baseline() + " (baseline)",
                        new double[] {g0, g1 == g0 ? g0 + 1e-9 : g1},
                        ratio ? new double[] {1, 1} : new double[] {0, 0});
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
            if (withCi.size() > 1) {
                int k = withCi.size();
                double[] bx = new double[2 * k];
                double[] by = new double[2 * k];
                for (int i = 0; i < k; i++) {
                    bx[i] = withCi.get(i).generation();
                    by[i] = withCi.get(i).ciHi();
                    bx[k + i] = withCi.get(k - 1 - i).generation();
                    by[k + i] = withCi.get(k - 1 - i).ciLo();
                }
                XYSeries band = c.addSeries(p + " 95% CI", bx, by);
                band.setXYSeriesRenderStyle(XYSeriesRenderStyle.PolygonArea);
                band.setMarker(SeriesMarkers.NONE);
                band.setFillColor(alpha(col, 45));
                band.setLineColor(alpha(col, 0));
                band.setShowInLegend(false);
            }
            int nMin = ds.stream().mapToInt(PairedDifference::n).min().orElse(0);
            int nMax = ds.stream().mapToInt(PairedDifference::n).max().orElse(0);
            String n = nMin == nMax ? "n=" + nMin : "n=" + nMin + "–" + nMax;
            XYSeries mean =
                    c.addSeries(
                            p + (ratio ? " / " : " − ") + cmp.baseline() + " (" + n + " pairs)",
                            ds.stream().mapToDouble(PairedDifference::generation).toArray(),
                            ds.stream().mapToDouble(PairedDifference::estimate).toArray());
            mean.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
            mean.setMarker(SeriesMarkers.CIRCLE);
            mean.setMarkerColor(col);
            mean.setLineColor(col);
            mean.setLineWidth(2.5f);
        }
        c.fitGenerationAxis();
        c.fitValueAxis(ratio, 500 - FittedChart.LEGEND_LINE * (cmp.others().size() + 1));
        return new Png(differenceFileName(metric, split), title, encode(c));
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
