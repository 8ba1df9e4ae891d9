package dev.ouroboros.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

/** A tokenizer larger than the model's embedding is one line, before any forward. */
class VocabularyCheckTest {
    @Test
    void aTokenizerWithMoreIdsThanTheEmbeddingIsRefused() {
        try (LanguageModel m =
                LanguageModel.random(OptConfig.tiny(64, 16, 1, 2, 32, 32), 0, Device.cpu())) {
            assertSame(m, m.requireVocabulary(64, "tok"));
            UserInputException e =
                    assertThrows(UserInputException.class, () -> m.requireVocabulary(65, "tok"));
            assertEquals(
                    "tok: the tokenizer has 65 ids, more than the model's vocab_size 64 (a"
                            + " tokenizer of another model?)",
                    e.getMessage());
        }
    }
}
