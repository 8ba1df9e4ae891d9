package dev.ouroboros.harness.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.Precision;
import dev.ouroboros.models.UserInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The training sections: one {@link Training} in each config, top-level keys in YAML. */
class TrainingSectionsTest {

    @Test
    void aResolvedRunConfigReadsBackTheSameAndStaysFlat() {
        RunConfig c =
                RunConfig.parse("optim:\n  lr: 2.0e-4\n", List.of("train.epochs=3"))
                        .withPrecision(Precision.FP32);
        String yaml = c.toYaml();
        assertFalse(yaml.contains("training:"), yaml);
        assertTrue(yaml.startsWith("kind: \"lm\"\nname: \"run\"\n"), yaml);
        // precision sits after device, as config.resolved.yaml always had it
        assertTrue(yaml.indexOf("\nprecision:") < yaml.indexOf("\ngenerations:"), yaml);
        RunConfig back = RunConfig.parse(yaml, List.of());
        assertEquals(c, back);
        assertEquals(c.hash(), back.hash());
        assertEquals(2.0e-4, back.training().optim().lr());
        assertEquals(3, back.training().train().epochs());
    }

    @Test
    void aTrainConfigReadsBackTheSame() {
        String base = "data:\n  train: a.txt\n  validation: b.txt\nmodel:\n  tokenizer: tok\n";
        TrainConfig c = TrainConfig.parse(base, "t.yaml", List.of()).withPrecision(Precision.BF16);
        String yaml = c.toYaml();
        assertFalse(yaml.contains("training:"), yaml);
        assertEquals(c, TrainConfig.parse(yaml, "t.yaml", List.of()));
    }

    @Test
    void badValuesAreNamedAsUsersWriteThem() {
        UserInputException e =
                assertThrows(
                        UserInputException.class,
                        () -> RunConfig.parse("", List.of("optim.lr=fast")));
        assertTrue(e.getMessage().contains("'optim.lr'"), e.getMessage());
        assertFalse(e.getMessage().contains("training"), e.getMessage());
        e =
                assertThrows(
                        UserInputException.class,
                        () -> RunConfig.parse("", List.of("training.optim.lr=1")));
        assertTrue(e.getMessage().contains("training"), e.getMessage()); // not a user key
    }
}
