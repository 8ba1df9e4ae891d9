package dev.ouroboros.models.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ouroboros.models.OptConfig;
import org.junit.jupiter.api.Test;

class GenerationMemoryTest {
    @Test
    void opt125mBeamSearchPerPromptByHand() {
        OptConfig c = OptConfig.tiny(50272, 768, 12, 12, 3072, 2048); // OPT-125m's shape
        // 5 beams, prompts of 64, 64 new tokens (capacity 128), fp32:
        long kv = 2L * 2 * 12 * 5 * 768 * 128 * 4; // k and v, 12 layers, two buffers: 94,371,840
        long prefillLogits = 2L * 64 * 50272 * 4; // 25,739,264
        long ffn = 3L * 64 * 3072 * 4; // 2,359,296
        long scores = 8L * 5 * 50272 * 4; // 8,043,520
        assertEquals(130_513_920L, kv + prefillLogits + ffn + scores);
        assertEquals(130_513_920L, GenerationMemory.bytesPerPrompt(c, 5, 64, 64));
        // greedy: one row per prompt
        assertEquals(
                4L * (2 * 2 * 12 * 768 * 128 + 2 * 64 * 50272 + 3 * 64 * 3072 + 8 * 50272),
                GenerationMemory.bytesPerPrompt(c, 1, 64, 64));
    }

    @Test
    void batchUsesSeventyPercentOfTheFreeMemoryWithinBounds() {
        long per = 130_513_920L;
        long tenGiB = 10L << 30;
        assertEquals(57, GenerationMemory.batchFor(tenGiB, per, 1000)); // 7.52e9 / 1.305e8 = 57.6
        assertEquals(20, GenerationMemory.batchFor(tenGiB, per, 20), "no more than the prompts");
        assertEquals(1, GenerationMemory.batchFor(1 << 20, per, 1000), "at least one");
    }
}
