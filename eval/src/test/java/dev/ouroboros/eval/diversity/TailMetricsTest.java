package dev.ouroboros.eval.diversity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TailMetricsTest {
    // 100 tokens; ascending: ant 1, bee 1, cow 1 (3), ox 3 (6), yak 4 (10 ≥ 10% of 100) → f* = 4
    static final Map<String, Long> REF =
            Map.of(
                    "the", 50L, "cat", 20L, "dog", 10L, "emu", 5L, "gnu", 5L, "yak", 4L, "ox", 3L,
                    "ant", 1L, "bee", 1L, "cow", 1L);

    @Test
    void bottomDecileAndHapaxes() {
        assertEquals(Set.of("ant", "bee", "cow", "ox", "yak"), TailMetrics.bottomDecile(REF));
        assertEquals(Set.of("ant", "bee", "cow"), TailMetrics.hapaxes(REF));
        // ties at f* are all in: a 1, b 4 (5), c 5 (10 ≥ 10) → f* = 5, so d (also 5) is in too
        assertEquals(
                Set.of("a", "b", "c", "d"),
                TailMetrics.bottomDecile(Map.of("a", 1L, "b", 4L, "c", 5L, "d", 5L, "e", 85L)));
    }

    @Test
    void recallOfRareTypes() {
        Map<String, Long> gen = Map.of("the", 9L, "ant", 2L, "yak", 1L, "zebra", 1L);
        assertEquals(2.0 / 5, TailMetrics.recall(TailMetrics.bottomDecile(REF), gen), 1e-12);
        assertEquals(1.0 / 3, TailMetrics.recall(TailMetrics.hapaxes(REF), gen), 1e-12);
    }

    @Test
    void massOnTokenIds() {
        long[] refCounts = {0, 1, 50, 1, 48}; // ids 1 and 3 are hapaxes
        Set<Integer> hapax = TailMetrics.hapaxes(TailMetrics.idCounts(refCounts));
        assertEquals(Set.of(1, 3), hapax);
        assertEquals(0.3, TailMetrics.massOn(new double[] {0.1, 0.2, 0.4, 0.1, 0.2}, hapax), 1e-12);
        assertThrows(
                IllegalArgumentException.class,
                () -> TailMetrics.massOn(new double[] {1}, Set.of(3)));
    }

    @Test
    void klInBitsWithUniformMix() {
        // 0.5·log2(0.5/0.25) + 0.5·log2(0.5/0.75) = 0.5 − 0.29248 = 0.207519 (the 1e-6 mix moves it
        // by < 1e-5)
        double[] p = {0.5, 0.5};
        double[] q = {0.25, 0.75};
        assertEquals(
                0.5 + 0.5 * Math.log(0.5 / 0.75) / Math.log(2), TailMetrics.klBits(p, q), 1e-5);
        assertEquals(0, TailMetrics.klBits(p, p), 1e-15);
        // disjoint supports stay finite: ≈ log2((1 − λ + λ/2) / (λ/2)) ≈ 20.93
        double kl = TailMetrics.klBits(new double[] {1, 0}, new double[] {0, 1});
        assertTrue(Double.isFinite(kl) && kl > 20.9 && kl < 21, "kl " + kl);
        assertThrows(
                IllegalArgumentException.class,
                () -> TailMetrics.klBits(new double[] {0.5, 0.4}, q));
    }

    @Test
    void tailMassLost() {
        // tail = the two 0.05 tokens (they hold 10%); the model drops one → lost 0.05 of 0.10
        double[] t = {0.05, 0.05, 0.1, 0.8};
        double[] m = {0.0, 0.05, 0.15, 0.8};
        assertEquals(0.5, TailMetrics.tailMassLost(t, m), 1e-12);
        assertEquals(0, TailMetrics.tailMassLost(t, t), 1e-12);
        assertEquals(1.0, TailMetrics.tailMassLost(t, new double[] {0, 0, 0.2, 0.8}), 1e-12);
        assertEquals(0.25, TailMetrics.unigram(new long[] {1, 3})[0], 1e-12);
    }

    /**
     * On a short reference every rare type is a hapax, so its own bottom decile is its hapaxes; the
     * corpus decile judges rarity on the larger corpus and differs from them.
     */
    @Test
    void corpusDecileDiffersFromTheHapaxesOfAShortReference() {
        Map<String, Long> reference =
                Map.of("the", 6L, "of", 3L, "and", 1L, "aardvark", 1L, "quokka", 2L, "cat", 1L);
        assertEquals(TailMetrics.hapaxes(reference), TailMetrics.bottomDecile(reference));
        Map<String, Long> corpus = new java.util.HashMap<>();
        corpus.put("the", 600L);
        corpus.put("of", 300L);
        corpus.put("and", 250L); // common in the corpus: a hapax of the reference only by chance
        corpus.put("cat", 40L);
        corpus.put("aardvark", 1L);
        corpus.put("quokka", 2L); // twice in the reference, rare in the corpus
        for (int i = 0; i < 100; i++) {
            corpus.put("w" + i, 2L); // the corpus's other rare words
        }
        // 1393 tokens: the types of frequency <= 2 hold 203 >= 10%, those of 1 hold 1 < 10%
        assertEquals(2, TailMetrics.decileFrequency(corpus));
        Set<String> d = TailMetrics.corpusDecile(reference.keySet(), corpus);
        assertEquals(Set.of("aardvark", "quokka"), d);
        assertEquals(Set.of("and", "aardvark", "cat"), TailMetrics.hapaxes(reference));
    }
}
