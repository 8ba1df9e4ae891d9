package dev.ouroboros.models.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.models.Golden;
import dev.ouroboros.models.LanguageModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Beam search with EOS actually chosen, every length penalty / early-stopping combination, against
 * HF (resources/decode/beam_eos_hf.json, written by {@code scripts/bench/generate_hf.py
 * --fixture}).
 */
class BeamEosHfTest {

    @Test
    void finishedHypothesesLengthPenaltyAndEarlyStoppingMatchHf() throws IOException {
        Path file = Golden.dir().resolve("../decode/beam_eos_hf.json").normalize();
        JsonNode fx = new ObjectMapper().readTree(file.toFile());
        long[][] ids = Golden.longs2(fx.get("input_ids"));
        long[][] mask = Golden.longs2(fx.get("attention_mask"));
        List<long[]> prompts = new ArrayList<>();
        for (int b = 0; b < ids.length; b++) {
            int pad = 0;
            while (mask[b][pad] == 0) {
                pad++;
            }
            prompts.add(Arrays.copyOfRange(ids[b], pad, ids[b].length));
        }
        int shorter = 0;
        try (LanguageModel model =
                LanguageModel.load(Golden.model("pre_ln_tied_safetensors"), Device.cpu())) {
            Generator gen = new Generator(model);
            for (JsonNode c : fx.get("cases")) {
                JsonNode a = c.get("args");
                String es = a.get("early_stopping").asText();
                DecodingStrategy.EarlyStopping stop =
                        switch (es) {
                            case "false" -> DecodingStrategy.EarlyStopping.HEURISTIC;
                            case "true" -> DecodingStrategy.EarlyStopping.WHEN_FULL;
                            default -> DecodingStrategy.EarlyStopping.NEVER;
                        };
                int eos = a.get("eos_token_id").asInt();
                GenerationOptions o =
                        new GenerationOptions(
                                new DecodingStrategy.BeamSearch(
                                        a.get("num_beams").asInt(),
                                        a.get("length_penalty").asDouble(),
                                        stop),
                                a.get("max_new_tokens").asInt(),
                                a.get("min_new_tokens").asInt(),
                                a.get("repetition_penalty").asDouble(),
                                eos,
                                a.get("pad_token_id").asInt(),
                                true);
                GenerationResult r = gen.generate(prompts, o);
                long[][] expected = Golden.longs2(c.get("new_tokens"));
                for (int b = 0; b < expected.length; b++) {
                    long[] hf = expected[b];
                    int end = hf.length;
                    for (int i = 0; i < hf.length; i++) {
                        if (hf[i] == eos) {
                            end = i + 1; // HF pads after the EOS of a shorter hypothesis
                            break;
                        }
                    }
                    long[] want = Arrays.copyOf(hf, end);
                    shorter += end < o.maxNewTokens() ? 1 : 0;
                    String what =
                            "eos "
                                    + eos
                                    + " lp "
                                    + a.get("length_penalty")
                                    + " early_stopping "
                                    + es
                                    + " row "
                                    + b;
                    assertArrayEquals(want, r.tokens().get(b), what);
                    assertEquals(
                            c.get("sequence_scores").get(b).asDouble(),
                            r.sequenceScores()[b],
                            1e-4,
                            what);
                }
            }
        }
        assertTrue(shorter > 0, "the fixture exercises hypotheses that end at EOS");
    }
}
