package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The degenerate-block rule of docs/metrics.md, at and around its thresholds. */
class DegenerateBlocksTest {
    @Test
    void oneTokenOrWhitespaceMakesABlockDegenerate() {
        long[] newlines = new long[64];
        java.util.Arrays.fill(newlines, 50118);
        assertTrue(DegenerateBlocks.isDegenerate(newlines, "\n".repeat(64)));
        long[] mixed = new long[8]; // 6 of 8 positions one id: 75%
        java.util.Arrays.fill(mixed, 5);
        mixed[0] = 6;
        mixed[1] = 7;
        assertTrue(DegenerateBlocks.isDegenerate(mixed, "a b c d e f g h"));
        mixed[2] = 8; // 5 of 8
        assertFalse(DegenerateBlocks.isDegenerate(mixed, "a b c d e f g h"));
        long[] distinct = {1, 2, 3, 4, 5, 6, 7, 8};
        assertTrue(DegenerateBlocks.isDegenerate(distinct, "\n\n \n\t\n\nab")); // 6 of 8 blank
        assertFalse(DegenerateBlocks.isDegenerate(distinct, "the cat sat on the mat"));
        assertTrue(DegenerateBlocks.isDegenerate(distinct, ""));
    }
}
