package dev.ouroboros.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.datasets.ShumailovBlocking;
import dev.ouroboros.datasets.TokenBlocks;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.TokenNll;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both perplexity protocols against the HF/lm-eval reference computed by
 * scripts/golden/make_fixtures.py.
 */
class PerplexityParityTest {
    static final Path GOLDEN =
            Path.of("../models/src/test/resources/golden").toAbsolutePath().normalize();

    @ParameterizedTest
    @ValueSource(
            strings = {
                "pre_ln_tied_safetensors",
                "post_ln_proj_gelu_fp16_bin",
                "untied_nobias_noaffine_bf16_sharded"
            })
    void blocksAndRollingMatchTheReference(String name) throws Exception {
        JsonNode exp =
                new ObjectMapper()
                        .readTree(GOLDEN.resolve(name).resolve("expected.json").toFile())
                        .get("eval");
        String text = Files.readString(GOLDEN.resolve("eval.txt"));
        Path dir = GOLDEN.resolve(name).resolve("model");
        try (LanguageModel model = LanguageModel.load(dir, Device.cpu());
                OptTokenizer tok = OptTokenizer.load(dir)) {
            JsonNode b = exp.get("blocks");
            TokenBlocks blocks = ShumailovBlocking.blocks(text, tok, b.get("block").asInt());
            BlocksPerplexity bp = Perplexity.blocks(model, blocks, 5, n -> {});
            assertEquals(b.get("n_blocks").asLong(), bp.nBlocks());
            assertEquals(b.get("n_predictions").asLong(), bp.nPredictions());
            assertRel(b.get("nll_sum").asDouble(), bp.nllSum(), 1e-5, "blocks nll_sum");
            assertRel(b.get("perplexity").asDouble(), bp.perplexity(), 1e-5, "blocks perplexity");

            JsonNode r = exp.get("rolling");
            int w = r.get("window").asInt();
            long[] ids = tok.encodeNoSpecial(text);
            assertEquals(r.get("n_windows").asInt(), Perplexity.rollingWindowCount(ids.length, w));
            RollingPerplexity rp = Perplexity.rolling(model, text, ids, tok.bosId(), w, 4, n -> {});
            assertEquals(r.get("n_tokens").asLong(), rp.nTokens());
            assertEquals(r.get("n_words").asLong(), rp.nWords());
            assertEquals(r.get("n_bytes").asLong(), rp.nBytes());
            assertRel(r.get("nll_sum").asDouble(), rp.nllSum(), 1e-5, "rolling nll_sum");
            assertRel(
                    r.get("token_perplexity").asDouble(),
                    rp.tokenPerplexity(),
                    1e-5,
                    "token perplexity");
            assertRel(
                    r.get("word_perplexity").asDouble(),
                    rp.wordPerplexity(),
                    1e-4,
                    "word perplexity");
            assertRel(
                    r.get("byte_perplexity").asDouble(),
                    rp.bytePerplexity(),
                    1e-5,
                    "byte perplexity");
            assertRel(r.get("bits_per_byte").asDouble(), rp.bitsPerByte(), 1e-5, "bits per byte");
        }
    }

    @Test
    void scoringTurnsAutogradOffOnAnyThreadAndRestoresIt() throws Exception {
        Path dir = GOLDEN.resolve("pre_ln_tied_safetensors").resolve("model");
        long[][] ids = {{2, 48, 325, 320, 978, 293}, {2, 257, 442, 748, 432, 5}};
        long[][] targets = {
            {48, 325, 320, 978, 293, TokenNll.IGNORE}, {257, 442, 748, 432, 5, TokenNll.IGNORE}
        };
        try (LanguageModel model = LanguageModel.load(dir, Device.cpu())) {
            double[] here = Perplexity.rowSums(model, ids, targets);
            double[][] there = new double[1][];
            boolean[] gradAfter = new boolean[2];
            Thread t =
                    new Thread(
                            () -> {
                                // a thread other than the engine's starts with grad mode on
                                gradAfter[0] = JniUtils.isGradMode();
                                there[0] = Perplexity.rowSums(model, ids, targets);
                                gradAfter[1] = JniUtils.isGradMode();
                            });
            t.start();
            t.join();
            assertTrue(gradAfter[0], "grad mode is on on a new thread");
            assertTrue(gradAfter[1], "and still on after scoring");
            assertArrayEquals(here, there[0], "same numbers with autograd on or off");
        }
    }

    static void assertRel(double expected, double actual, double tol, String what) {
        System.out.printf("%s: relative error %.3g%n", what, Math.abs(actual / expected - 1));
        assertEquals(
                expected,
                actual,
                tol * Math.abs(expected),
                what + ": relative error " + Math.abs(actual / expected - 1));
    }
}
