package dev.ouroboros.eval.diversity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LexicalDiversityTest {
    static List<String> w(String s) {
        return List.of(s.split(" "));
    }

    @Test
    void wordsAreLetterDigitRunsLowerCasedWithInnerApostrophes() {
        assertEquals(
                List.of("the", "u", "s", "don't", "l’homme", "3", "5", "km", "naïve", "e"),
                Words.of("The U.S. don't  l’homme 3 @.@ 5 km — naïve, 'e'"));
        assertEquals(List.of(), Words.of(" @-@ ,. "));
    }

    @Test
    void distinctNCountsNgramsWithinTexts() {
        // unigrams a b a b | a b: 2 distinct / 6; bigrams ab ba ab | ab: 2 / 4; trigrams aba bab: 2
        // / 2
        List<List<String>> t = List.of(w("a b a b"), w("a b"));
        assertEquals(2.0 / 6, LexicalDiversity.distinctN(t, 1), 1e-12);
        assertEquals(0.5, LexicalDiversity.distinctN(t, 2), 1e-12);
        assertEquals(1.0, LexicalDiversity.distinctN(t, 3), 1e-12);
        assertEquals(0, LexicalDiversity.distinctN(List.of(w("a")), 2));
    }

    @Test
    void mattrByHand() {
        // a b a c b a, window 3: [a b a] 2/3, [b a c] 1, [a c b] 1, [c b a] 1 → (2/3 + 3)/4 = 11/12
        assertEquals(11.0 / 12, LexicalDiversity.mattr(w("a b a c b a"), 3), 1e-12);
        // fewer words than the window: the plain TTR, 2/3
        assertEquals(2.0 / 3, LexicalDiversity.mattr(w("a b a"), 50), 1e-12);
        // window = N: one window, the TTR
        assertEquals(4.0 / 6, LexicalDiversity.mattr(w("a b a c b d"), 6), 1e-12);
    }

    @Test
    void mtldByHand() {
        // Forward over a b a c d e: a (1/1) b (2/2) a (2/3 = .667 ≤ .72 → factor 1, restart)
        //   c d e: TTR 1 → partial (1 − 1)/(1 − .72) = 0 → 1 factor → 6 / 1 = 6.
        // Backward over e d c a b a: TTR stays 1 through b (5/5), then a → 5/6 = .833 > .72, end of
        // text
        //   → partial (1 − 5/6)/.28 = 0.595238… → 6 / 0.595238 = 10.08.
        // MTLD = (6 + 10.08) / 2 = 8.04.
        assertEquals(6.0, LexicalDiversity.mtldPass(w("a b a c d e"), 0.72), 1e-12);
        assertEquals(10.08, LexicalDiversity.mtldPass(w("e d c a b a"), 0.72), 1e-12);
        assertEquals(8.04, LexicalDiversity.mtld(w("a b a c d e"), 0.72), 1e-12);
        // a b a b c c d: forward factors at "a b a" and "b c c", "d" partial 0 → 7/2; backward
        // likewise → 3.5
        assertEquals(3.5, LexicalDiversity.mtld(w("a b a b c c d"), 0.72), 1e-12);
        // no word repeats: no factor in either direction → undefined
        assertTrue(Double.isNaN(LexicalDiversity.mtld(w("a b c"), 0.72)));
    }

    @Test
    void entropyAndZipf() {
        // p = 1/2, 1/4, 1/4 → 0.5·1 + 2·0.25·2 = 1.5 bits
        assertEquals(1.5, LexicalDiversity.entropyBits(Map.of("a", 2L, "b", 1L, "c", 1L)), 1e-12);
        // f = 60/r exactly → exponent 1; the hapaxes x, y are left out of the fit
        Map<String, Long> zipf =
                Map.of("a", 60L, "b", 30L, "c", 20L, "d", 15L, "e", 12L, "x", 1L, "y", 1L);
        assertEquals(1.0, LexicalDiversity.zipfExponent(zipf), 1e-12);
        assertTrue(Double.isNaN(LexicalDiversity.zipfExponent(Map.of("a", 5L, "b", 2L, "c", 1L))));
    }

    @Test
    void allLeavesOutUndefinedValues() {
        Map<String, Double> m = LexicalDiversity.all(List.of(w("a b c")));
        assertFalse(m.containsKey("mtld"));
        assertFalse(m.containsKey("zipf_exponent"));
        assertEquals(1.0, m.get("distinct_1"));
        assertEquals(m.get("ttr"), m.get("distinct_1"));
    }
}
