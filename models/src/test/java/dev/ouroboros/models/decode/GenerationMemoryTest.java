package dev.ouroboros.models.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.Precision;
import org.junit.jupiter.api.Test;

class GenerationMemoryTest {
    @Test
    void opt125mBeamSearchPerPromptByHand() {
        OptConfig c = OptConfig.tiny(50272, 768, 12, 12, 3072, 2048); // OPT-125m's shape
        // 5 beams, prompts of 64, 64 new tokens (capacity 128), fp32:
        long kv = 2L * 12 * 5 * 768 * 128 * 4; // k and v, 12 layers, one buffer: 47,185,920
        long reorder = 5L * 768 * 128 * 4; // one layer's k rows: 1,966,080
        long tokens = 2L * 5 * 128 * 8; // token rows + mask: 10,240
        long prefill = (2L * 64 * 3072 + 4L * 64 * 768) * 4 + 8L * 50272; // 2,761,472
        long scores = 20L * 5 * 50272; // 5,027,200
        assertEquals(56_950_912L, kv + reorder + tokens + prefill + scores);
        assertEquals(56_950_912L, GenerationMemory.bytesPerPrompt(c, 5, 64, 64, Precision.FP32));
        // bf16: the cache and activations in 2 bytes, the scores still fp32
        long half =
                2L * (2 * 12 + 1) * 5 * 768 * 128 // k and v of 12 layers + the reorder temporary
                        + tokens
                        + (2L * 64 * 3072 + 4L * 64 * 768) * 2
                        + 6L * 50272
                        + 18L * 5 * 50272;
        assertEquals(half, GenerationMemory.bytesPerPrompt(c, 5, 64, 64, Precision.BF16));
        assertEquals(0, GenerationMemory.fixedBytes(125_000_000L, Precision.FP32));
        assertEquals(250_000_000L, GenerationMemory.fixedBytes(125_000_000L, Precision.BF16));
    }

    @Test
    void batchUsesSeventyPercentOfTheFreeMemoryWithinBounds() {
        long per = 56_950_912L;
        long tenGiB = 10L << 30;
        assertEquals(131, GenerationMemory.batchFor(tenGiB, per, 1000)); // 7.52e9 / 5.70e7 = 131.98
        assertEquals(20, GenerationMemory.batchFor(tenGiB, per, 20), "no more than the prompts");
        assertEquals(1, GenerationMemory.batchFor(1 << 20, per, 1000), "at least one");
    }
}
