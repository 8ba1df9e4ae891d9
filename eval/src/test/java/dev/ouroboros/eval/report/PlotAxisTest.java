package dev.ouroboros.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * A histogram's log axis ends on labelled ticks: per-sample perplexities 313.7–400.8 (the smoke
 * study's) once gave an axis with no tick label; it now runs 300–500, labelled 300, 400, 500.
 */
class PlotAxisTest {
    @Test
    void axisEndsAreRoundedToTheirLeadingDigit() {
        assertEquals(300, Plots.leadingDigit(313.671, Math::floor), 1e-9);
        assertEquals(500, Plots.leadingDigit(400.757, Math::ceil), 1e-9);
        assertEquals(400, Plots.leadingDigit(400, Math::ceil), 1e-9);
        assertEquals(0.01, Plots.leadingDigit(0.0123, Math::floor), 1e-12);
        assertEquals(100, Plots.leadingDigit(99.5, Math::ceil), 1e-9);
        assertEquals(1000, Plots.leadingDigit(1021.7, Math::floor), 1e-9);
    }
}
