package dev.ouroboros.eval.syntax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.eval.diversity.CompressionRatio;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SyntacticDiversityTest {
    /** "The cat sleeps ." as a parser returns it: det → cat, nsubj → sleeps, punct → sleeps. */
    static ParsedSentence catSleeps() {
        return new ParsedSentence(
                List.of("The", "cat", "sleeps", "."),
                List.of("DT", "NN", "VBZ", "."),
                List.of("DET", "NOUN", "VERB", "PUNCT"),
                new int[] {1, 2, -1, 2},
                List.of("det", "nsubj", "root", "punct"));
    }

    /** "Dogs bark ." */
    static ParsedSentence dogsBark() {
        return new ParsedSentence(
                List.of("Dogs", "bark", "."),
                List.of("NNS", "VBP", "."),
                List.of("NOUN", "VERB", "PUNCT"),
                new int[] {1, -1, 1},
                List.of("nsubj", "root", "punct"));
    }

    @Test
    void theGraphIsTheUposTreeWithUndirectedTokenHeadEdges() {
        LabelledGraph g = catSleeps().graph();
        assertEquals(List.of("DET", "NOUN", "VERB", "PUNCT"), List.of(g.labels()));
        assertEquals(List.of(1), List.of(boxed(g.neighbours()[0])));
        assertEquals(List.of(0, 2), List.of(boxed(g.neighbours()[1])));
        assertEquals(List.of(1, 3), List.of(boxed(g.neighbours()[2])));
    }

    @Test
    void identicalTreesHaveNoDiversityAndDifferentOnesSome() {
        SplittableRandom rng = new SplittableRandom(1);
        assertEquals(
                0.0, SyntacticDiversity.wl(Collections.nCopies(5, catSleeps()), 3000, rng), 1e-12);
        double mixed = SyntacticDiversity.wl(List.of(catSleeps(), dogsBark()), 3000, rng);
        // 1 − k̂: the same value the kernel gives for the two graphs
        double k =
                new WlKernel(2)
                        .normalisedMatrix(List.of(catSleeps().graph(), dogsBark().graph()))[0][1];
        assertEquals(1 - k, mixed, 1e-12);
        assertTrue(mixed > 0 && mixed < 1);
        assertTrue(Double.isNaN(SyntacticDiversity.wl(List.of(catSleeps()), 3000, rng)));
    }

    @Test
    void theSampleIsSeededAndCapped() {
        List<ParsedSentence> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            many.add(i % 3 == 0 ? dogsBark() : catSleeps());
        }
        double a = SyntacticDiversity.wl(many, 10, new SplittableRandom(42));
        double b = SyntacticDiversity.wl(many, 10, new SplittableRandom(42));
        assertEquals(a, b, 0.0);
        double all = SyntacticDiversity.wl(many, 3000, new SplittableRandom(42));
        double allOtherSeed = SyntacticDiversity.wl(many, 3000, new SplittableRandom(7));
        assertEquals(all, allOtherSeed, 1e-12, "the whole pool does not depend on the draw");
    }

    @Test
    void crPosCompressesTheJoinedPennTags() {
        double cr =
                SyntacticDiversity.crPos(
                        List.of(List.of(catSleeps(), dogsBark()), List.of(dogsBark())));
        assertEquals(CompressionRatio.of(List.of("DT NN VBZ . NNS VBP .", "NNS VBP .")), cr, 0.0);
    }

    private static Integer[] boxed(int[] a) {
        return java.util.Arrays.stream(a).boxed().toArray(Integer[]::new);
    }
}
