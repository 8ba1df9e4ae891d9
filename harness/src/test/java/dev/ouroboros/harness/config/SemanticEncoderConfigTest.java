package dev.ouroboros.harness.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ouroboros.models.Precision;
import dev.ouroboros.models.UserInputException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code eval.semantic_encoder}: off by default, hashed only when set. */
class SemanticEncoderConfigTest {
    private static RunConfig cfg(String... overrides) {
        List<String> o = new java.util.ArrayList<>(List.of("precision=fp32"));
        o.addAll(List.of(overrides));
        return RunConfig.parse("", o);
    }

    @Test
    void unsetByDefaultAndHashedOnlyWhenSet() {
        assertNull(cfg().eval().semanticEncoder());
        assertEquals(cfg().hash(), cfg("eval.semantic_encoder=null").hash());
        RunConfig a = cfg("eval.semantic_encoder=checkpoints/all-MiniLM-L6-v2");
        assertEquals("checkpoints/all-MiniLM-L6-v2", a.eval().semanticEncoder());
        assertNotEquals(cfg().hash(), a.hash());
        assertNotEquals(a.hash(), cfg("eval.semantic_encoder=other").hash());
        assertThrows(UserInputException.class, () -> cfg("eval.semantic_encoder=' '"));
    }

    /**
     * The hash of the smoke study as SmokeStudyTest runs it, as recorded before the key existed
     * (commit 72a7e9f: "smoke 4b2a2e58b6139f4d").
     */
    @Test
    void theSmokeConfigKeepsItsHash() {
        RunConfig smoke =
                RunConfig.load(Path.of("../configs/smoke.yaml"), List.of("eval.rolling_window=64"))
                        .withPrecision(Precision.FP32);
        assertEquals("4b2a2e58b6139f4d", smoke.hash());
    }
}
