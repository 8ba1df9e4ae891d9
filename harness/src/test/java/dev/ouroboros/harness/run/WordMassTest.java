package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.ouroboros.datasets.BpeTrainer;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WordMass} is the product over a word's BPE pieces of the model's probabilities, each given
 * the prompt and the pieces before it, summed over the word's forms and averaged over prompts: here
 * against a step-by-step computation with one forward per piece, on a byte-level BPE where the rare
 * words split into several pieces; the batching does not change the number.
 */
class WordMassTest {
    @TempDir Path tmp;

    @Test
    void wholeWordProbabilityIsTheProductOverItsPieces() throws Exception {
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            corpus.add("the cat sat on the mat and the dog ran to the cat");
        }
        BpeTrainer.write(tmp.resolve("tok"), BpeTrainer.train(corpus, 300));
        try (OptTokenizer tok = OptTokenizer.load(tmp.resolve("tok"));
                LanguageModel model =
                        LanguageModel.random(
                                OptConfig.tiny(304, 16, 1, 2, 32, 64), 7, Device.cpu())) {
            List<String> reference = List.of("Zebra quokka the cat", "a zebra sat");
            Set<String> words = Set.of("zebra", "quokka");
            Map<String, Set<String>> spellings = WordMass.spellings(reference);
            assertEquals(Set.of("Zebra", "zebra"), spellings.get("zebra"));
            List<long[]> forms = WordMass.forms(tok, words, spellings, 304);
            // Zebra, " Zebra", zebra, " zebra", quokka, " quokka": all distinct, several pieces
            assertEquals(6, forms.size());
            assertTrue(forms.stream().allMatch(f -> f.length >= 2), "multi-piece words");
            List<long[]> prompts =
                    List.of(
                            tok.encodeNoSpecial("the cat sat on the"),
                            tok.encodeNoSpecial("the dog ran to the"));
            double want = 0;
            for (long[] p : prompts) {
                for (long[] f : forms) {
                    want += stepByStep(model, p, f);
                }
            }
            want /= prompts.size();
            double[] one = WordMass.of(model, tok, prompts, reference, List.of(words), 1);
            double[] many = WordMass.of(model, tok, prompts, reference, List.of(words), 5);
            assertEquals(want, one[0], 1e-6 * want);
            assertEquals(want, many[0], 1e-6 * want);
            // and not the first piece's probability (what rare_mass_* measures)
            assertTrue(want < 0.5 * firstPieces(model, prompts, forms), "whole words are rarer");
            assertTrue(
                    Double.isNaN(
                            WordMass.of(model, tok, prompts, reference, List.of(Set.of()), 4)[0]));
        }
    }

    /** Π_k p(f_k | p, f_<k), one forward per piece. */
    private static double stepByStep(LanguageModel model, long[] prompt, long[] form) {
        double prob = 1;
        long[] ctx = prompt;
        for (long piece : form) {
            prob *= next(model, ctx)[(int) piece];
            ctx = Arrays.copyOf(ctx, ctx.length + 1);
            ctx[ctx.length - 1] = piece;
        }
        return prob;
    }

    private static double firstPieces(
            LanguageModel model, List<long[]> prompts, List<long[]> forms) {
        double s = 0;
        for (long[] p : prompts) {
            float[] q = next(model, p);
            s +=
                    forms.stream()
                            .mapToLong(f -> f[0])
                            .distinct()
                            .mapToDouble(id -> q[(int) id])
                            .sum();
        }
        return s / prompts.size();
    }

    private static float[] next(LanguageModel model, long[] ctx) {
        try (NDManager m = model.manager().newSubManager()) {
            NDArray logits =
                    model.forwardLast(LanguageModel.unpadded(m, new long[][] {ctx})).get(0);
            return logits.reshape(-1).softmax(0).toFloatArray();
        }
    }
}
