package dev.ouroboros.models.decode;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.ouroboros.models.Golden;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.NativeCalls;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every crossing into libtorch a decoding step makes, counted by {@link NativeCalls}: the
 * difference between a run of {@code n + 8} and one of {@code n} new tokens, divided by 8 (the
 * prefill and the per-call set-up cancel out).
 */
class DecodeSyncsTest {
    private static LanguageModel model;
    private static final List<long[]> PROMPTS =
            List.of(new long[] {2, 305, 471, 9, 44}, new long[] {2, 48, 325, 320, 978, 293});

    @BeforeAll
    static void load() {
        model = LanguageModel.load(Golden.model("pre_ln_tied_safetensors"), Device.cpu());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Crossings of one step: {@code (count(n + 8) - count(n)) / 8}, per method. */
    static NativeCalls.Count perStep(GenerationOptions shortRun, GenerationOptions longRun) {
        Generator g = new Generator(model);
        g.generate(PROMPTS, shortRun); // warm-up: ops.pt loaded, method tags made
        NativeCalls.Count a = NativeCalls.during(() -> g.generate(PROMPTS, shortRun));
        NativeCalls.Count b = NativeCalls.during(() -> g.generate(PROMPTS, longRun));
        java.util.Map<String, Long> diff = new java.util.TreeMap<>();
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
    void beamStep() {
        NativeCalls.Count step =
                perStep(GenerationOptions.shumailov(8), GenerationOptions.shumailov(16));
        System.out.println("beam step: " + step);
        assertTrue(step.total() > 0);
    }

    @Test
    void greedyStep() {
        NativeCalls.Count step =
                perStep(
                        GenerationOptions.greedy(8).withNewTokens(8, 8),
                        GenerationOptions.greedy(16).withNewTokens(16, 16));
        System.out.println("greedy step: " + step);
        assertTrue(step.total() > 0);
    }
}
