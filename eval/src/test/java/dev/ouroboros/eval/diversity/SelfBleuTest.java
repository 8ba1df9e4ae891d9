package dev.ouroboros.eval.diversity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SelfBleuTest {
    static List<String> w(String s) {
        return List.of(s.split(" "));
    }

    @Test
    void sentenceBleuWithMethod1Smoothing() {
        // p1 = 3/4, p2 = 2/3, p3 = 1/2, p4 = 0/1 → ε = 0.1; BP = 1 → (0.75·0.6667·0.5·0.1)^(1/4) =
        // 0.025^(1/4)
        // (NLTK sentence_bleu with SmoothingFunction().method1 gives the same 0.39763…)
        assertEquals(
                Math.pow(0.025, 0.25),
                SelfBleu.sentenceBleu(w("a b c d"), List.of(w("a b c e"))),
                1e-12);
        // short hypothesis: p1..p3 = 1, no 4-gram → 0.1/max(1, 0); BP = exp(1 − 5/3)
        assertEquals(
                Math.exp(1 - 5.0 / 3) * Math.pow(0.1, 0.25),
                SelfBleu.sentenceBleu(w("a b c"), List.of(w("a b c d e"))),
                1e-12);
        // the closest reference length wins: c = 3, refs of 2 and 5 → r = 2 → BP 1;
        // p1 = 1/3, p2 = 0.1/2, p3 = 0.1/1, p4 = 0.1/max(1, 0)
        assertEquals(
                Math.pow(1.0 / 3 * 0.05 * 0.1 * 0.1, 0.25),
                SelfBleu.sentenceBleu(w("a x y"), List.of(w("a b"), w("q q q q q"))),
                1e-12);
    }

    @Test
    void identicalTextsScoreOneAndSamplingIsSeeded() {
        List<List<String>> same = List.of(w("a b c d e"), w("a b c d e"), w("a b c d e"));
        assertEquals(1.0, SelfBleu.ofAll(same), 1e-12);
        List<List<String>> texts =
                List.of(
                        w("the cat sat on the mat"),
                        w("a dog sat on a log"),
                        w("the cat ate the rat"),
                        w("one two three four five"),
                        w("the mat was red"),
                        List.of());
        double a = SelfBleu.of(texts, 3, new SplittableRandom(7));
        double b = SelfBleu.of(texts, 3, new SplittableRandom(7));
        assertEquals(a, b);
        assertEquals(
                SelfBleu.ofAll(texts.subList(0, 5)),
                SelfBleu.of(texts, 100, new SplittableRandom(1)),
                1e-12);
        assertTrue(Double.isNaN(SelfBleu.of(List.of(w("a")), 10, new SplittableRandom(0))));
    }
}
