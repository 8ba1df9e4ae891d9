package dev.ouroboros.harness.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.Precision;
import dev.ouroboros.models.UserInputException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code eval.syntactic} and {@code eval.syntactic_sentences}: off by default, hashed only when on.
 */
class SyntacticConfigTest {
    private static RunConfig cfg(String... overrides) {
        List<String> o = new java.util.ArrayList<>(List.of("precision=fp32"));
        o.addAll(List.of(overrides));
        return RunConfig.parse("", o);
    }

    @Test
    void offByDefaultWithGuoEtAlsSampleSize() {
        assertFalse(cfg().eval().syntactic());
        assertEquals(3000, cfg().eval().syntacticSentences());
        assertThrows(UserInputException.class, () -> cfg("eval.syntactic_sentences=0"));
    }

    @Test
    void theDefaultKeepsEveryExistingHash() {
        // the smoke study's hash (as StudyPlan resolves it on a CPU) before eval.syntactic existed
        RunConfig smoke =
                RunConfig.load(Path.of("..", "configs", "smoke.yaml"), List.of())
                        .withPrecision(Precision.FP32);
        assertEquals("2cf7f53693b7fc86", smoke.hash());
        assertEquals(cfg().hash(), cfg("eval.syntactic=false").hash());
        // the sample size only matters when the metric is on
        assertEquals(cfg().hash(), cfg("eval.syntactic_sentences=100").hash());
        RunConfig on = cfg("eval.syntactic=true");
        assertTrue(on.eval().syntactic());
        assertNotEquals(cfg().hash(), on.hash());
        assertNotEquals(
                on.hash(), cfg("eval.syntactic=true", "eval.syntactic_sentences=100").hash());
    }
}
