package dev.ouroboros.harness.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ouroboros.models.Precision;
import dev.ouroboros.models.UserInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code generate.precision}: what synthesis decodes in (docs/decoding.md#precision). */
class GeneratePrecisionTest {
    private static RunConfig cfg(String... overrides) {
        List<String> o = new java.util.ArrayList<>(List.of("precision=fp32"));
        o.addAll(List.of(overrides));
        return RunConfig.parse("", o);
    }

    @Test
    void fp32ByDefaultAndHashedOnlyWhenHalf() {
        assertEquals(Precision.FP32, cfg().generate().precision());
        assertEquals(cfg().hash(), cfg("generate.precision=fp32").hash());
        RunConfig bf16 = cfg("generate.precision=bf16");
        assertEquals(Precision.BF16, bf16.generate().precision());
        assertNotEquals(cfg().hash(), bf16.hash());
        assertNotEquals(bf16.hash(), cfg("generate.precision=fp16").hash());
        // a resolved batch size keeps the precision
        assertEquals(Precision.BF16, bf16.withGenerateBatchSize(8).generate().precision());
    }

    @Test
    void halfDecodingWithEagerAttentionIsOneLine() {
        UserInputException e =
                assertThrows(
                        UserInputException.class,
                        () -> cfg("generate.precision=bf16", "model.attention=eager"));
        assertEquals(
                "config: generate.precision bf16 decodes through the fused step, which needs"
                        + " model.attention: sdpa",
                e.getMessage());
        assertEquals(Precision.FP32, cfg("model.attention=eager").generate().precision());
        assertThrows(UserInputException.class, () -> cfg("generate.precision=fp8"));
    }
}
