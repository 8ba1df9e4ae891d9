package dev.ouroboros.models.decode;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.UserInputException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class GenerationOptionsTest {

    private static void rejected(String fragment, Executable e) {
        UserInputException ex = assertThrows(UserInputException.class, e);
        assertTrue(ex.getMessage().contains(fragment), ex.getMessage());
        assertFalse(ex.getMessage().contains("\n"), "one line: " + ex.getMessage());
    }

    @Test
    void badStrategyOptionsAreRejected() {
        rejected("num_beams must be >= 1, got 0", () -> DecodingStrategy.BeamSearch.of(0));
        rejected("num_beams must be >= 1, got -3", () -> DecodingStrategy.BeamSearch.of(-3));
        rejected(
                "top_p must be in (0, 1], got 0.0",
                () -> DecodingStrategy.Sampling.seeded(1, 0, 0, 1));
        rejected(
                "top_p must be in (0, 1], got 1.5",
                () -> DecodingStrategy.Sampling.seeded(1, 0, 1.5, 1));
        rejected(
                "top_p must be in (0, 1], got NaN",
                () -> DecodingStrategy.Sampling.seeded(1, 0, Double.NaN, 1));
        rejected("top_k must be >= 0", () -> DecodingStrategy.Sampling.seeded(1, -1, 1, 1));
        rejected(
                "temperature must be > 0, got 0.0",
                () -> DecodingStrategy.Sampling.seeded(0, 0, 1, 1));
        rejected(
                "temperature must be > 0, got -1.0",
                () -> DecodingStrategy.Sampling.seeded(-1, 0, 1, 1));
        rejected(
                "length_penalty must be finite",
                () ->
                        new DecodingStrategy.BeamSearch(
                                2, Double.NaN, DecodingStrategy.EarlyStopping.HEURISTIC));
    }

    @Test
    void badLengthsAndPenaltiesAreRejected() {
        GenerationOptions g = GenerationOptions.greedy(8);
        rejected("max_new_tokens (4) must be >= min_new_tokens (5)", () -> g.withNewTokens(5, 4));
        rejected("max_new_tokens must be >= 1, got 0", () -> g.withNewTokens(0, 0));
        rejected("min_new_tokens must be >= 0", () -> g.withNewTokens(-1, 4));
        rejected("repetition_penalty must be > 0", () -> g.withRepetitionPenalty(0));
        g.withNewTokens(4, 4); // min = max is fine (Shumailov mode)
    }

    @Test
    void promptsThatDoNotFitThePositionTableOrVocabularyAreRejected() {
        try (LanguageModel model =
                LanguageModel.random(OptConfig.tiny(50, 16, 1, 2, 32, 24), 1, Device.cpu())) {
            Generator gen = new Generator(model);
            long[] twenty = new long[20];
            java.util.Arrays.fill(twenty, 5);
            rejected(
                    "prompt length 20 + max_new_tokens 5 exceeds max_position_embeddings 24",
                    () ->
                            gen.generate(
                                    List.of(new long[] {2, 5}, twenty),
                                    GenerationOptions.greedy(5)));
            gen.generate(List.of(twenty), GenerationOptions.greedy(4)); // 20 + 4 = 24 fits exactly
            rejected(
                    "prompt 1 is empty",
                    () ->
                            gen.generate(
                                    List.of(new long[] {2}, new long[0]),
                                    GenerationOptions.greedy(2)));
            rejected("no prompts", () -> gen.generate(List.of(), GenerationOptions.greedy(2)));
            rejected(
                    "token id 50 outside the vocabulary",
                    () -> gen.generate(List.of(new long[] {2, 50}), GenerationOptions.greedy(2)));
        }
    }
}
