package dev.ouroboros.harness.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ouroboros.models.Precision;
import dev.ouroboros.models.PrecisionChoice;
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
        assertEquals(PrecisionChoice.FP32, cfg().generate().precision());
        assertEquals(cfg().hash(), cfg("generate.precision=fp32").hash());
        RunConfig bf16 = cfg("generate.precision=bf16");
        assertEquals(PrecisionChoice.BF16, bf16.generate().precision());
        assertNotEquals(cfg().hash(), bf16.hash());
        assertNotEquals(bf16.hash(), cfg("generate.precision=fp16").hash());
        // a resolved batch size keeps the precision
        assertEquals(PrecisionChoice.BF16, bf16.withGenerateBatchSize(8).generate().precision());
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
        assertEquals(PrecisionChoice.FP32, cfg("model.attention=eager").generate().precision());
        assertThrows(UserInputException.class, () -> cfg("generate.precision=fp8"));
    }

    @Test
    void autoFollowsTheStudysResolvedPrecision() {
        RunConfig asked = RunConfig.parse("", List.of("generate.precision=auto"));
        assertEquals(PrecisionChoice.AUTO, asked.generate().precision()); // precision auto too
        RunConfig cpu = asked.withPrecision(Precision.FP32);
        assertEquals(PrecisionChoice.FP32, cpu.generate().precision());
        assertEquals(cfg().hash(), cpu.hash()); // a CPU run hashes as before
        RunConfig gpu = asked.withPrecision(Precision.BF16);
        assertEquals(PrecisionChoice.BF16, gpu.generate().precision());
        assertEquals(
                RunConfig.parse("", List.of("precision=bf16", "generate.precision=bf16")).hash(),
                gpu.hash());
        // resolved at once when the study's precision is fixed; fp32 under eager attention
        assertEquals(
                PrecisionChoice.FP16,
                RunConfig.parse("", List.of("precision=fp16", "generate.precision=auto"))
                        .generate()
                        .precision());
        assertEquals(
                PrecisionChoice.FP32,
                RunConfig.parse(
                                "",
                                List.of(
                                        "precision=bf16",
                                        "generate.precision=auto",
                                        "model.attention=eager"))
                        .generate()
                        .precision());
        // what config.resolved.yaml records reads back fixed
        assertEquals(
                PrecisionChoice.BF16,
                RunConfig.parse(gpu.toYaml(), List.of()).generate().precision());
    }
}
