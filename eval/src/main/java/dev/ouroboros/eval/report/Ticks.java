package dev.ouroboros.eval.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Axis ticks a reader can read: round numbers, never more than fit the plot's pixels, and the axis
 * ends on a tick (never on a raw extreme such as 36.109).
 *
 * <p>Linear: the smallest step of 1, 2 or 5 × 10ᵏ that gives at most {@code maxTicks} ticks over
 * the data, the axis widened to the multiples of the step around it. Logarithmic: the densest of
 * the mantissa sets {1…9}, {1, 2, 5}, {1, 3}, {1} × 10ᵏ, then every 2nd, 5th, 10th … decade, whose
 * ticks over the data number at most {@code maxTicks}; the axis is widened to the ticks of that set
 * around the data.
 */
public final class Ticks {
    /** Mantissa sets of a log axis, densest first. */
    private static final double[][] LOG_MANTISSAS = {
        {1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 5}, {1, 3}, {1}
    };

    /** Decade strides tried after the mantissa sets. */
    private static final int[] DECADE_STRIDES = {2, 3, 5, 10, 20, 50, 100, 200, 500, 1000};

    private Ticks() {}

    /**
     * An axis: its ends (the first and last tick) and its ticks, ascending.
     *
     * @param step the linear step (NaN on a log axis)
     * @param decadesOnly a log axis whose ticks are all powers of ten
     */
    public record Axis(
            double lo,
            double hi,
            List<Double> ticks,
            boolean log,
            double step,
            boolean decadesOnly) {
        public Axis {
            ticks = List.copyOf(ticks);
        }

        /**
         * The label of {@code v} if it is one of the ticks (or, linear, a multiple of the step: a
         * plotting library that proposes a finer grid then labels a subset), else "".
         */
        public String label(double v) {
            if (log) {
                for (double t : ticks) {
                    if (Math.abs(v - t) <= 1e-6 * t) {
                        return format(t);
                    }
                }
                return "";
            }
            double k = v / step;
            if (Math.abs(k - Math.rint(k)) > 1e-6 || v < lo - 1e-6 * step || v > hi + 1e-6 * step) {
                return "";
            }
            // as many significant digits as the step needs at the axis's largest magnitude
            double big = Math.max(Math.abs(lo), Math.abs(hi));
            int digits =
                    Math.max(
                            1,
                            (int) Math.floor(Math.log10(big) + 1e-9)
                                    - (int) Math.floor(Math.log10(step) + 1e-9)
                                    + 1);
            return format(clean(Math.rint(k) * step), Math.max(6, digits));
        }
    }

    /**
     * How many ticks fit {@code pixels} with at least {@code minSpacing} pixels between neighbours
     * (at least 2).
     */
    public static int maxTicks(double pixels, double minSpacing) {
        return Math.max(2, (int) Math.floor(pixels / minSpacing) + 1);
    }

    /**
     * Round ticks over [min, max] on a linear axis, at most {@code maxTicks} of them — but 3 when
     * {@code maxTicks} is 2, as a range across a multiple of any step needs 3.
     */
    public static Axis linear(double min, double max, int maxTicks) {
        check(min, max, maxTicks);
        maxTicks = Math.max(3, maxTicks);
        if (max - min <= 1e-12 * Math.max(Math.abs(min), Math.abs(max))) {
            double pad = min == 0 ? 1 : Math.abs(min) * 0.05;
            min -= pad;
            max += pad;
        }
        double step = Math.pow(10, Math.floor(Math.log10((max - min) / maxTicks)));
        for (int i = 0; ; i = (i + 1) % 3) {
            double s = step * new double[] {1, 2, 5}[i];
            long first = (long) Math.floor(min / s + 1e-9);
            long last = (long) Math.ceil(max / s - 1e-9);
            if (last - first + 1 <= maxTicks) {
                List<Double> t = new ArrayList<>();
                for (long k = first; k <= last; k++) {
                    t.add(clean(k * s));
                }
                return new Axis(t.get(0), t.get(t.size() - 1), t, false, s, false);
            }
            if (i == 2) {
                step *= 10;
            }
        }
    }

    /** Round ticks over [min, max] on a log axis (min &gt; 0), at most {@code maxTicks}. */
    public static Axis log(double min, double max, int maxTicks) {
        check(min, max, maxTicks);
        if (!(min > 0)) {
            throw new IllegalArgumentException("a log axis needs min > 0, got " + min);
        }
        if (max / min < 1 + 1e-9) {
            min /= 1.5;
            max *= 1.5;
        }
        for (double[] m : LOG_MANTISSAS) {
            List<Double> t = mantissaTicks(min, max, m);
            if (t.size() <= maxTicks) {
                return new Axis(t.get(0), t.get(t.size() - 1), t, true, Double.NaN, m.length == 1);
            }
        }
        int e0 = (int) Math.floor(Math.log10(min) + 1e-6);
        int e1 = (int) Math.ceil(Math.log10(max) - 1e-6);
        for (int stride : DECADE_STRIDES) {
            // aligned to multiples of the stride when that fits, else starting at the data
            int first = Math.floorDiv(e0, stride) * stride;
            int last = -Math.floorDiv(-e1, stride) * stride;
            if ((last - first) / stride + 1 > maxTicks) {
                first = e0;
                last = first + stride * -Math.floorDiv(-(e1 - first), stride);
            }
            if ((last - first) / stride + 1 <= maxTicks) {
                List<Double> t = new ArrayList<>();
                for (int e = first; e <= last; e += stride) {
                    t.add(clean(Math.pow(10, e)));
                }
                return new Axis(t.get(0), t.get(t.size() - 1), t, true, Double.NaN, true);
            }
        }
        throw new IllegalArgumentException("range too wide for a log axis: " + min + "–" + max);
    }

    /** m × 10ᵏ for every m of {@code mantissas}, from the last one ≤ min to the first ≥ max. */
    private static List<Double> mantissaTicks(double min, double max, double[] mantissas) {
        List<Double> all = new ArrayList<>();
        int e0 = (int) Math.floor(Math.log10(min)) - 1;
        int e1 = (int) Math.ceil(Math.log10(max)) + 1;
        for (int e = e0; e <= e1; e++) {
            for (double m : mantissas) {
                all.add(clean(m * Math.pow(10, e)));
            }
        }
        int from = 0;
        int to = all.size() - 1;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i) <= min * (1 + 1e-6)) { // data a hair below a tick (bin edges) sit on it
                from = i;
            }
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i) >= max * (1 - 1e-6)) {
                to = i;
            }
        }
        return all.subList(from, to + 1);
    }

    /**
     * A tick label: plain between 10⁻³ and 10⁶ ("0.05", "300", "20000"), else mantissa and exponent
     * ("2E-5", "1E7"); at most 6 significant digits, so no float noise ("0.30000000000000004" →
     * "0.3").
     */
    public static String format(double v) {
        return format(v, 6);
    }

    /** {@link #format(double)} with {@code digits} significant digits. */
    static String format(double v, int digits) {
        if (v == 0) {
            return "0";
        }
        MathContext mc = new MathContext(digits);
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e6) {
            return new BigDecimal(v).round(mc).stripTrailingZeros().toPlainString();
        }
        int e = (int) Math.floor(Math.log10(a));
        BigDecimal m = new BigDecimal(v / Math.pow(10, e)).round(mc).stripTrailingZeros();
        if (m.abs().compareTo(BigDecimal.TEN) >= 0) { // 9.9999996 rounded up
            m = m.movePointLeft(1).stripTrailingZeros();
            e++;
        }
        return m.toPlainString() + "E" + e;
    }

    private static double clean(double v) {
        return v == 0 ? 0 : new BigDecimal(v).round(new MathContext(12)).doubleValue();
    }

    private static void check(double min, double max, int maxTicks) {
        if (!Double.isFinite(min) || !Double.isFinite(max) || min > max) {
            throw new IllegalArgumentException("bad axis range " + min + "–" + max);
        }
        if (maxTicks < 2) {
            throw new IllegalArgumentException("maxTicks must be ≥ 2, got " + maxTicks);
        }
    }
}
