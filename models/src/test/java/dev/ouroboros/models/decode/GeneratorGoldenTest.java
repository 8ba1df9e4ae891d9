package dev.ouroboros.models.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.models.Golden;
import dev.ouroboros.models.LanguageModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Token-for-token equality with HF {@code generate} (golden/pre_ln_tied_safetensors/generate.json).
 */
class GeneratorGoldenTest {
    private static final String CASE = "pre_ln_tied_safetensors";
    private static LanguageModel model;
    private static JsonNode gen;
    private static List<long[]> prompts;

    @BeforeAll
    static void load() throws IOException {
        model = LanguageModel.load(Golden.model(CASE), Device.cpu());
        gen =
                new ObjectMapper()
                        .readTree(Golden.dir().resolve(CASE).resolve("generate.json").toFile());
        long[][] ids = Golden.longs2(gen.get("input_ids"));
        long[][] mask = Golden.longs2(gen.get("attention_mask"));
        prompts = new ArrayList<>();
        for (int b = 0; b < ids.length; b++) { // strip the left padding; the generator re-pads
            List<Long> p = new ArrayList<>();
            for (int i = 0; i < ids[b].length; i++) {
                if (mask[b][i] == 1) {
                    p.add(ids[b][i]);
                }
            }
            prompts.add(p.stream().mapToLong(Long::longValue).toArray());
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void greedySixteenTokensMatchHf() {
        long[][] expected = Golden.longs2(gen.at("/greedy/new_tokens"));
        GenerationResult r = new Generator(model).generate(prompts, GenerationOptions.greedy(16));
        for (int b = 0; b < expected.length; b++) {
            assertArrayEquals(expected[b], r.tokens().get(b), "row " + b);
        }
    }

    @Test
    void beamFiveRepetitionPenaltyThreeSixtyFourTokensMatchHf() {
        JsonNode beam = gen.get("beam");
        assertEquals(5, beam.at("/args/num_beams").asInt());
        long[][] expected = Golden.longs2(beam.get("new_tokens"));
        GenerationResult r =
                new Generator(model).generate(prompts, GenerationOptions.shumailov(64));
        for (int b = 0; b < expected.length; b++) {
            assertEquals(64, r.tokens().get(b).length);
            assertArrayEquals(expected[b], r.tokens().get(b), "row " + b);
            assertEquals(
                    beam.get("sequence_scores").get(b).asDouble(),
                    r.sequenceScores()[b],
                    1e-4,
                    "score " + b);
        }
    }

    @Test
    void beamWithoutCacheMatchesHfToo() {
        long[][] expected = Golden.longs2(gen.at("/beam/new_tokens"));
        GenerationResult r =
                new Generator(model)
                        .generate(prompts, GenerationOptions.shumailov(64).withCache(false));
        for (int b = 0; b < expected.length; b++) {
            assertArrayEquals(expected[b], r.tokens().get(b), "row " + b);
        }
    }
}
