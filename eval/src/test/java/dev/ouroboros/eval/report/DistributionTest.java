package dev.ouroboros.eval.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class DistributionTest {
    @Test
    void sharedLogEdgesAndCounts() {
        double[] e = Distribution.logEdges(List.of(new double[] {1, 3}, new double[] {100}), 2);
        assertEquals(3, e.length);
        assertEquals(1, e[0], 1e-8);
        assertEquals(10, e[1], 1e-8);
        assertEquals(100, e[2], 1e-6);
        // [1, 10): 1, 5, 9; [10, 100]: 11, 50, 100 (the last bin is closed)
        assertArrayEquals(
                new long[] {3, 3}, Distribution.histogram(new double[] {1, 5, 9, 11, 50, 100}, e));
        assertThrows(
                IllegalArgumentException.class,
                () -> Distribution.logEdges(List.of(new double[] {0}), 4));
    }

    @Test
    void type7Quantiles() {
        double[] x = {4, 1, 3, 2}; // sorted 1 2 3 4; h = 3p
        assertEquals(2.5, Distribution.quantile(x, 0.5), 1e-12);
        assertEquals(1.3, Distribution.quantile(x, 0.1), 1e-12);
        assertEquals(3.7, Distribution.quantile(x, 0.9), 1e-12);
        assertEquals(1, Distribution.quantile(x, 0), 1e-12);
        assertEquals(4, Distribution.quantile(x, 1), 1e-12);
        assertEquals(7, Distribution.quantile(new double[] {7}, 0.3), 1e-12);
    }
}
