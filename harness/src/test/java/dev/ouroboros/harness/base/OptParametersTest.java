package dev.ouroboros.harness.base;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptConfig;
import org.junit.jupiter.api.Test;

/** The one parameter counter: a hand count, and the built model's own count. */
class OptParametersTest {
    @Test
    void opt125mHasTheHandCountedParameters() {
        // embeddings 50272·768 = 38,608,896; positions (2048 + 2)·768 = 1,574,400;
        // a layer: 4·(768² + 768) + (768·3072 + 3072) + (3072·768 + 768) + 2·2·768 = 7,087,872,
        // × 12 = 85,054,464; final LayerNorm 1,536; LM head tied
        assertEquals(
                125_239_296L, OptParameters.count(OptConfig.tiny(50272, 768, 12, 12, 3072, 2048)));
    }

    @Test
    void parameterCountIsTheModelsOwn() {
        OptConfig tiny = OptConfig.tiny(1000, 64, 2, 4, 256, 128);
        try (LanguageModel m = LanguageModel.random(tiny, 0, Device.cpu())) {
            assertEquals(m.parameterCount(), OptParameters.count(tiny));
        }
    }
}
