package dev.ouroboros.eval.report;

import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/**
 * An XYChart that remembers every point added, so that its axes can be fitted to them with {@link
 * Ticks}: round ticks, as many as the pixels fit, the value axis ending on ticks.
 */
final class FittedChart extends XYChart {
    /** Pixels of a chart's height outside its plot area (title, x axis), roughly. */
    static final int PLOT_MARGIN_Y = 110;

    /** Pixels of one legend line (the legend sits below the plot, one entry a line). */
    static final int LEGEND_LINE = 23;

    /** Pixels of a chart's width outside its plot area (y axis labels and title), roughly. */
    static final int PLOT_MARGIN_X = 110;

    /** The least vertical distance between y tick labels, in pixels. */
    static final int MIN_Y_SPACING = 40;

    /** The least horizontal distance between x tick labels, in pixels. */
    static final int MIN_X_SPACING = 70;

    private final List<double[]> points = new ArrayList<>();

    FittedChart(XYChartBuilder b) {
        super(b);
    }

    @Override
    public XYSeries addSeries(String name, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            points.add(new double[] {x[i], y[i]});
        }
        return super.addSeries(name, x, y);
    }

    /**
     * The generation axis: a label at the generations a round step apart ({@link Ticks#linear} over
     * the generations, at most what the width fits), {@code base} at {@link
     * Summary#BASE_GENERATION}. XChart puts the ticks of an x axis with a label function at the
     * series' x values, here the generations.
     */
    void fitGenerationAxis() {
        double[] g = range(true);
        if (g == null) {
            return;
        }
        int lo = (int) Math.floor(g[0]);
        int hi = Math.max(lo + 1, (int) Math.ceil(g[1]));
        double step =
                Math.max(
                        1,
                        Ticks.linear(
                                        lo,
                                        hi,
                                        Ticks.maxTicks(getWidth() - PLOT_MARGIN_X, MIN_X_SPACING))
                                .step());
        getStyler()
                .setXAxisTickLabelsFormattingFunction(
                        v -> {
                            if (Math.abs(v - Math.rint(v)) > 1e-6) {
                                return "";
                            }
                            long k = Math.round(v);
                            if (k == Summary.BASE_GENERATION) {
                                return "base";
                            }
                            return Math.floorMod(k, (long) step) == 0 ? Long.toString(k) : "";
                        });
    }

    /**
     * The value (y) axis: round ticks over everything plotted ({@link Ticks}), the axis ending on
     * ticks, at most what {@code height} (the chart's, less its legend) fits at {@link
     * #MIN_Y_SPACING}.
     */
    void fitValueAxis(boolean log, int height) {
        double[] y = range(false);
        if (y == null) {
            return;
        }
        int max = Ticks.maxTicks(height - PLOT_MARGIN_Y, MIN_Y_SPACING);
        Ticks.Axis a = log ? Ticks.log(y[0], y[1], max) : Ticks.linear(y[0], y[1], max);
        getStyler().setYAxisMin(a.lo());
        getStyler().setYAxisMax(a.hi());
        getStyler().setYAxisTickLabelsFormattingFunction(a::label);
        if (log) {
            getStyler().setYAxisLogarithmicDecadeOnly(a.decadesOnly());
        } else {
            // XChart picks its grid step from this hint: one tick per step of ours
            getStyler()
                    .setYAxisTickMarkSpacingHint(
                            (int) ((height - PLOT_MARGIN_Y) / Math.max(1, a.ticks().size() - 1)));
        }
    }

    /** [min, max] of the finite x (or y) values of every series, log-axis-safe; null if none. */
    private double[] range(boolean x) {
        boolean log = !x && getStyler().isYAxisLogarithmic();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] xy : points) {
            double v = x ? xy[0] : xy[1];
            if (Double.isFinite(v) && (!log || v > 0)) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        return lo <= hi ? new double[] {lo, hi} : null;
    }
}
