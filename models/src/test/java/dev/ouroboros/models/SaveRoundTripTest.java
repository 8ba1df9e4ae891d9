package dev.ouroboros.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ouroboros.models.io.RawTensor;
import dev.ouroboros.models.io.Safetensors;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What Ouroboros writes is an HF OPTForCausalLM checkpoint: config.json + F32 model.safetensors
 * with {@code model.decoder.*} keys + tokenizer files; reloading it gives bit-identical logits.
 * (That transformers loads it too is checked by scripts/golden/check_saved_model.py; see
 * docs/benchmarks.md.)
 */
class SaveRoundTripTest {
    @ParameterizedTest
    @ValueSource(strings = {"post_ln_proj_gelu_fp16_bin", "untied_nobias_noaffine_bf16_sharded"})
    void saveThenLoadGivesIdenticalLogits(String name, @TempDir Path tmp) throws Exception {
        JsonNode exp = Golden.expected(name);
        long[][] ids = Golden.longs2(exp.get("input_ids"));
        long[][] mask = Golden.longs2(exp.get("attention_mask"));
        Path out = tmp.resolve("saved");
        float[] before;
        OptConfig cfg;
        try (LanguageModel model = LanguageModel.load(Golden.model(name), Device.cpu());
                OptTokenizer tok = OptTokenizer.load(Golden.model(name));
                NDManager m = model.manager().newSubManager()) {
            before = model.logits(m, ids, mask).toFloatArray();
            cfg = model.config();
            model.save(out);
            tok.save(out);
        }
        Map<String, RawTensor> sd = Safetensors.read(out.resolve("model.safetensors"));
        assertTrue(
                sd.keySet().stream()
                        .allMatch(
                                k -> k.startsWith("model.decoder.") || k.equals("lm_head.weight")),
                sd.keySet().toString());
        assertEquals(!cfg.tieWordEmbeddings(), sd.containsKey("lm_head.weight"));
        assertEquals("pt", Safetensors.metadata(out.resolve("model.safetensors")).get("format"));
        assertTrue(Files.exists(out.resolve("tokenizer.json")));
        assertEquals(cfg, OptConfig.read(out));
        try (LanguageModel again = LanguageModel.load(out, Device.cpu());
                NDManager m = again.manager().newSubManager()) {
            assertArrayEquals(before, again.logits(m, ids, mask).toFloatArray());
        }
    }
}
