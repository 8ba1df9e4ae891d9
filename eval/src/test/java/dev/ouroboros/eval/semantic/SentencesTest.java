package dev.ouroboros.eval.semantic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.Test;

class SentencesTest {
    @Test
    void splitsAtSentenceEndsAndLineBreaksOnly() {
        assertEquals(
                List.of("The cat sat.", "Did it?", "\"Yes!\"", "It did (twice.)", "Then"),
                Sentences.of("The cat sat. Did it? \"Yes!\" It did (twice.) Then"));
        assertEquals(
                List.of("A first line", "a second one ."),
                Sentences.of("  A first line\n\n a second one . "));
        // wikitext's decimal point and a dot without whitespace after it do not split
        assertEquals(
                List.of("It rose 3 @.@ 5 % in 2010.", "See example.com now"),
                Sentences.of("It rose 3 @.@ 5 % in 2010. See example.com now"));
        // pieces without a word are dropped
        assertEquals(List.of("Ok."), Sentences.of("... ! Ok. @-@ ?"));
        assertEquals(List.of(), Sentences.of(""));
        assertEquals(
                List.of("One.", "Two.", "Three"), Sentences.ofAll(List.of("One. Two.", "Three")));
    }

    @Test
    void sampleIsSeededWithoutReplacementAndInTextOrder() {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            all.add("s" + i);
        }
        assertEquals(all, Sentences.sample(all, 100, rng(1)));
        List<String> a = Sentences.sample(all, 10, rng(1));
        assertEquals(a, Sentences.sample(all, 10, rng(1)));
        assertNotEquals(a, Sentences.sample(all, 10, rng(2)));
        assertEquals(10, a.stream().distinct().count());
        for (int i = 1; i < a.size(); i++) {
            int prev = Integer.parseInt(a.get(i - 1).substring(1));
            assertTrue(prev < Integer.parseInt(a.get(i).substring(1)), a.toString());
        }
    }

    private static java.util.random.RandomGenerator rng(long seed) {
        return RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    }
}
