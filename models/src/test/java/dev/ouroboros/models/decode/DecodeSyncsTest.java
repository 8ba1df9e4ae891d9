package dev.ouroboros.models.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.ouroboros.models.Attention;
import dev.ouroboros.models.Golden;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.NativeCalls;
import dev.ouroboros.models.OptConfig;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every crossing into libtorch a decoding step makes, counted by {@link NativeCalls}: the
 * difference between a run of 16 and one of 8 new tokens, divided by 8 (the prefill and the
 * per-call set-up cancel out). Figures before and after the fused step:
 * docs/benchmarks.md#decoding-step-crossings.
 */
class DecodeSyncsTest {
    private static final List<long[]> PROMPTS =
            List.of(new long[] {2, 305, 471, 9, 44}, new long[] {2, 48, 325, 320, 978, 293});
    private static final GenerationOptions BEAM8 = GenerationOptions.shumailov(8);
    private static final GenerationOptions BEAM16 = GenerationOptions.shumailov(16);
    private static final GenerationOptions GREEDY8 =
            GenerationOptions.greedy(8).withNewTokens(8, 8);
    private static final GenerationOptions GREEDY16 =
            GenerationOptions.greedy(16).withNewTokens(16, 16);

    /** Crossings of one step: {@code (count(16 new) - count(8 new)) / 8}, per method. */
    static NativeCalls.Count perStep(
            LanguageModel model, GenerationOptions shortRun, GenerationOptions longRun) {
        Generator g = new Generator(model);
        g.generate(PROMPTS, shortRun); // warm-up: the TorchScript modules loaded, method tags made
        NativeCalls.Count a = NativeCalls.during(() -> g.generate(PROMPTS, shortRun));
        NativeCalls.Count b = NativeCalls.during(() -> g.generate(PROMPTS, longRun));
        Map<String, Long> diff = new TreeMap<>();
        b.byMethod()
                .forEach(
                        (k, v) -> {
                            long d = v - a.byMethod().getOrDefault(k, 0L);
                            if (d != 0) {
                                diff.put(k, d / 8);
                            }
                        });
        return new NativeCalls.Count(diff);
    }

    @Test
    void aStepIsOneUploadOneReadAndAFewDozenCallsWhateverTheDepth() {
        OptConfig deep = OptConfig.tiny(1000, 32, 6, 4, 64, 64);
        try (LanguageModel golden =
                        LanguageModel.load(Golden.model("pre_ln_tied_safetensors"), Device.cpu());
                LanguageModel six = LanguageModel.random(deep, 3, Device.cpu())) {
            for (GenerationOptions[] runs :
                    List.of(
                            new GenerationOptions[] {BEAM8, BEAM16},
                            new GenerationOptions[] {GREEDY8, GREEDY16})) {
                NativeCalls.Count two = perStep(golden, runs[0], runs[1]);
                NativeCalls.Count many = perStep(six, runs[0], runs[1]);
                System.out.println(runs[0].strategy() + " step, 2 layers: " + two);
                System.out.println(runs[0].strategy() + " step, 6 layers: " + many);
                assertEquals(1, two.uploads(), "one upload per step: " + two);
                assertEquals(1, two.reads(), "one read per step: " + two);
                assertEquals(two.total(), many.total(), "independent of depth: " + many);
                assertTrue(two.total() <= 40, "a few dozen crossings: " + two);
            }
        }
    }

    @Test
    void theDjlOpsPathCrossesPerLayer() {
        // the reference path (eager attention: DJL ops) still works and is what the fused step
        // replaced: its count grows with depth and uploads every plain number
        try (LanguageModel golden =
                LanguageModel.load(Golden.model("pre_ln_tied_safetensors"), Device.cpu())) {
            golden.attention(Attention.EAGER);
            NativeCalls.Count step = perStep(golden, BEAM8, BEAM16);
            System.out.println("beam step through DJL ops (eager attention), 2 layers: " + step);
            assertTrue(step.uploads() > 5, "scalar uploads: " + step);
            assertTrue(step.total() > 200, step.toString());
        }
    }
}
