package dev.ouroboros.harness.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.ouroboros.models.Attention;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The determinism switch: on unless turned off by property or environment; on the CPU it changes
 * nothing (no line, SDPA kept). The CUDA side (eager attention while training) needs a GPU:
 * docs/benchmarks.md lists the check.
 */
class DeterminismTest {
    @AfterEach
    void clear() {
        System.clearProperty("ouro.deterministic");
    }

    @Test
    void onByDefaultOffByProperty() {
        boolean envOff = "0".equals(System.getenv("OURO_DETERMINISTIC"));
        assertEquals(!envOff, Determinism.enabled());
        System.setProperty("ouro.deterministic", "false");
        assertFalse(Determinism.enabled());
        System.setProperty("ouro.deterministic", "0");
        assertFalse(Determinism.enabled());
        System.setProperty("ouro.deterministic", "true");
        assertTrue(Determinism.enabled());
    }

    @Test
    void theCpuKeepsSdpaAndSaysNothing() {
        System.setProperty("ouro.deterministic", "true");
        try (LanguageModel m =
                LanguageModel.random(OptConfig.tiny(64, 16, 1, 2, 32, 16), 1, Device.cpu())) {
            m.attention(Attention.SDPA);
            List<String> lines = new ArrayList<>();
            Runnable restore = Determinism.forTraining(m, lines::add);
            assertEquals(Attention.SDPA, m.block().attention());
            restore.run();
            assertEquals(Attention.SDPA, m.block().attention());
            assertTrue(lines.isEmpty(), lines.toString());
        }
    }
}
