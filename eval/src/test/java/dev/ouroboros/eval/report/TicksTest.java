package dev.ouroboros.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Tick choice on wide and narrow ranges: round numbers, bounded count, ends on ticks. The ranges
 * are those that once made unreadable axes (issue 20): a per-sample perplexity histogram over
 * 304–8000 labelled every 1..9 × 10ᵏ ("304050607080"), a mean line labelled at its raw extremes
 * ("28.922", "36.109").
 */
class TicksTest {
    @Test
    void linearNarrowRangeGetsRoundEndsNotRawExtremes() {
        Ticks.Axis a = Ticks.linear(28.922, 36.109, 8);
        assertEquals(List.of(28.0, 30.0, 32.0, 34.0, 36.0, 38.0), a.ticks());
        assertEquals(28, a.lo(), 0);
        assertEquals(38, a.hi(), 0);
        assertEquals("30", a.label(30));
        assertEquals("", a.label(31), "not a tick");
        assertEquals("", a.label(36.109), "never a raw extreme");
    }

    @Test
    void linearTinyAndWideRanges() {
        Ticks.Axis tiny = Ticks.linear(0.49981, 0.50029, 6);
        assertEquals(1e-4, tiny.step(), 1e-15);
        assertEquals("0.4998", tiny.label(tiny.lo()));
        assertEquals("0.5003", tiny.label(tiny.hi()));
        Ticks.Axis wide = Ticks.linear(-37115, 417.8, 8);
        assertEquals(1e4, wide.step(), 0);
        assertEquals(-40000, wide.lo(), 0);
        assertEquals(10000, wide.hi(), 0);
        Ticks.Axis flat = Ticks.linear(0.25, 0.25, 5);
        assertTrue(flat.lo() < 0.25 && flat.hi() > 0.25, flat.toString());
        Ticks.Axis big = Ticks.linear(0, 3e7, 5);
        assertEquals("1E7", big.label(1e7));
    }

    @Test
    void logWideRangeLabels125NotEveryDigit() {
        Ticks.Axis a = Ticks.log(304, 8000, 8);
        assertEquals(List.of(200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0), a.ticks());
        assertEquals("500", a.label(500));
        assertEquals("", a.label(400), "1..9 × 10^k no longer all labelled");
        Ticks.Axis decades = Ticks.log(1e-3, 1e9, 6);
        assertTrue(decades.decadesOnly());
        assertEquals(List.of(1e-3, 1.0, 1e3, 1e6, 1e9), decades.ticks());
        assertEquals("1E9", decades.label(1e9));
        assertEquals("1E-5", Ticks.format(1e-5));
    }

    @Test
    void logNarrowRangeStillHasLabels() {
        // the smoke study's per-sample perplexities, 313.7–400.8, once left an axis unlabelled
        assertEquals(List.of(300.0, 400.0, 500.0), Ticks.log(313.671, 400.757, 8).ticks());
        assertEquals(List.of(100.0, 200.0, 300.0), Ticks.log(105.6, 219.3, 8).ticks());
        Ticks.Axis one = Ticks.log(50, 50, 8);
        assertTrue(one.ticks().size() >= 2 && one.lo() < 50 && one.hi() > 50, one.toString());
    }

    /** Any range: 2..max ticks, covering the data, equally spaced (linear) round numbers. */
    @Test
    void everyRangeGetsABoundedRoundCover() {
        SplittableRandom r = new SplittableRandom(20);
        for (int i = 0; i < 2000; i++) {
            double a = Math.pow(10, r.nextDouble(-6, 7)) * (r.nextBoolean() ? 1 : -1);
            double b = a + Math.abs(a) * Math.pow(10, r.nextDouble(-5, 4));
            int max = r.nextInt(2, 12);
            for (Ticks.Axis ax :
                    a > 0
                            ? List.of(Ticks.linear(a, b, max), Ticks.log(a, b, max))
                            : List.of(Ticks.linear(a, b, max))) {
                List<Double> t = ax.ticks();
                String what = a + "–" + b + " max " + max + ": " + t;
                assertTrue(t.size() >= 2 && t.size() <= Math.max(max, ax.log() ? 2 : 3), what);
                assertTrue(ax.lo() <= a && ax.hi() >= b, what);
                assertEquals(
                        t.size(), new HashSet<>(t.stream().map(ax::label).toList()).size(), what);
                for (double v : t) {
                    String l = ax.label(v);
                    // the digits the step needs: "-107.9405", "1.000002E7" (ranges 10⁻⁵ of their
                    // magnitude)
                    assertTrue(!l.isEmpty() && l.length() <= 12, what + " label " + l);
                }
                if (!ax.log()) {
                    double m = ax.step() / Math.pow(10, Math.floor(Math.log10(ax.step()) + 1e-9));
                    assertTrue(
                            List.of(1.0, 2.0, 5.0).stream().anyMatch(x -> Math.abs(x - m) < 1e-6),
                            what + " step " + ax.step());
                }
            }
        }
    }

    @Test
    void theCountIsBoundedByThePixels() {
        assertEquals(9, Ticks.maxTicks(330, 40));
        assertEquals(2, Ticks.maxTicks(10, 40));
        Ticks.Axis a = Ticks.linear(0, 1, Ticks.maxTicks(330, 40));
        assertEquals(List.of(0.0, 0.2, 0.4, 0.6, 0.8, 1.0), a.ticks());
    }
}
