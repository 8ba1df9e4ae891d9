package dev.ouroboros.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Logits and loss of OptForCausalLM against HF transformers on random-weight checkpoints (golden
 * fixtures).
 */
class OptParityTest {

    /** Normwise relative error: max |ours − HF| / max |HF| over the compared positions. */
    static double relativeError(float[] ours, JsonNode hfLogits, long[][] mask, int vocab) {
        double maxDiff = 0;
        double maxRef = 0;
        int t = mask[0].length;
        for (int b = 0; b < mask.length; b++) {
            for (int i = 0; i < t; i++) {
                if (mask[b][i] == 0) {
                    continue; // HF's values at padding positions are not meaningful
                }
                JsonNode row = hfLogits.get(b).get(i);
                for (int v = 0; v < vocab; v++) {
                    double ref = row.get(v).asDouble();
                    maxDiff = Math.max(maxDiff, Math.abs(ours[(b * t + i) * vocab + v] - ref));
                    maxRef = Math.max(maxRef, Math.abs(ref));
                }
            }
        }
        return maxDiff / maxRef;
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "pre_ln_tied_safetensors",
                "post_ln_proj_gelu_fp16_bin",
                "untied_nobias_noaffine_bf16_sharded"
            })
    void logitsAndLossMatchTransformers(String name) {
        JsonNode exp = Golden.expected(name);
        long[][] ids = Golden.longs2(exp.get("input_ids"));
        long[][] mask = Golden.longs2(exp.get("attention_mask"));
        try (LanguageModel model = LanguageModel.load(Golden.model(name), Device.cpu());
                NDManager m = model.manager().newSubManager()) {
            int vocab = model.config().vocabSize();
            float[] logits = model.logits(m, ids, mask).toFloatArray();
            double rel = relativeError(logits, exp.get("logits"), mask, vocab);
            System.out.printf("%s: logits max relative error %.3g%n", name, rel);
            assertTrue(rel <= 1e-4, name + ": logits relative error " + rel);

            // HF loss of row 0 alone (labels = input_ids): mean NLL over its T−1 next-token
            // predictions
            long[][] row0 = {ids[0]};
            NDArray nll =
                    TokenNll.perPosition(
                            model.logits(m, row0, new long[][] {mask[0]}),
                            m.create(TokenNll.shiftedTargets(row0)));
            double loss = nll.sum().getFloat() / (ids[0].length - 1);
            double hf = exp.get("loss_row0").asDouble();
            assertEquals(hf, loss, 1e-5 * Math.abs(hf), name + ": loss");
        }
    }

    @ParameterizedTest
    @EnumSource(Attention.class)
    void kvCacheGivesTheSameLogitsAsTheFullForward(Attention attention) {
        for (String name : new String[] {"pre_ln_tied_safetensors", "post_ln_proj_gelu_fp16_bin"}) {
            JsonNode exp = Golden.expected(name);
            long[][] ids = Golden.longs2(exp.get("input_ids"));
            long[][] mask = Golden.longs2(exp.get("attention_mask"));
            int t = ids[0].length;
            int split = 7;
            try (LanguageModel model =
                            LanguageModel.load(Golden.model(name), Device.cpu())
                                    .attention(attention);
                    NDManager m = model.manager().newSubManager();
                    KvCache cache = KvCache.allocate(m, model.config(), 2, t + 3)) {
                int vocab = model.config().vocabSize();
                float[] full = model.logits(m, ids, mask).toFloatArray();
                NDArray idArr = m.create(ids);
                NDArray maskArr = m.create(mask);
                // prefix in one call, then one token at a time through the cache
                NDList in = new NDList(idArr.get(":, :{}", split), maskArr.get(":, :{}", split));
                in.addAll(cache.tensors());
                float[] prefix = model.forward(in, false).get(0).toFloatArray();
                for (int b = 0; b < 2; b++) {
                    for (int i = 0; i < split; i++) {
                        if (mask[b][i] == 1) {
                            assertClose(
                                    full,
                                    (b * t + i) * vocab,
                                    prefix,
                                    (b * split + i) * vocab,
                                    vocab);
                        }
                    }
                }
                NDArray k0 = cache.tensors().get(0);
                for (int i = split; i < t; i++) {
                    in = new NDList(idArr.get(":, {}:{}", i, i + 1), maskArr.get(":, :{}", i + 1));
                    in.addAll(cache.tensors());
                    float[] step = model.forward(in, false).get(0).toFloatArray();
                    for (int b = 0; b < 2; b++) {
                        assertClose(full, (b * t + i) * vocab, step, b * vocab, vocab);
                    }
                }
                assertSame(k0, cache.tensors().get(0), "the cache is written in place");
                assertEquals(
                        0f,
                        k0.get(":, :, {}:", t).abs().sum().getFloat(),
                        "positions beyond the sequence are never written");
            }
        }
    }

    private static void assertClose(float[] a, int offA, float[] b, int offB, int n) {
        for (int v = 0; v < n; v++) {
            float x = a[offA + v];
            float y = b[offB + v];
            assertEquals(x, y, 1e-4f * Math.max(1f, Math.abs(x)), "logit " + v);
        }
    }
}
