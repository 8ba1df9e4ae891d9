package dev.ouroboros.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.Device;
import ai.djl.ndarray.index.NDIndex;
import org.junit.jupiter.api.Test;

/**
 * {@link FiniteWeights}: the first tensor holding NaN or ±Inf is named, a finite model passes, and
 * the check reads one value vector back from the device whatever the depth (no per-tensor sync).
 */
class FiniteWeightsTest {
    @Test
    void namesTheFirstNonFiniteTensorWithOneReadWhateverTheDepth() {
        for (int layers : new int[] {2, 6}) {
            try (LanguageModel m =
                    LanguageModel.random(
                            OptConfig.tiny(100, 32, layers, 4, 64, 32), 1, Device.cpu())) {
                var params = m.block().parametersByName();
                NativeCalls.Count finite =
                        NativeCalls.during(() -> assertNull(FiniteWeights.firstNonFinite(params)));
                assertEquals(1, finite.reads(), layers + " layers: " + finite);
                params.get("decoder.layers.1.fc2.weight")
                        .getArray()
                        .set(new NDIndex("1, 2"), Float.POSITIVE_INFINITY);
                assertEquals("decoder.layers.1.fc2.weight", FiniteWeights.firstNonFinite(params));
                params.get("decoder.layers.0.fc1.bias").getArray().set(new NDIndex("3"), Float.NaN);
                assertEquals("decoder.layers.0.fc1.bias", FiniteWeights.firstNonFinite(params));
            }
        }
    }
}
