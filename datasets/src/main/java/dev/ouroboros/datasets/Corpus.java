package dev.ouroboros.datasets;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A text corpus with train, validation and test splits.
 *
 * @param name a label for logs and manifests (e.g. {@code wikitext-2-raw-v1} or a file name)
 * @param train training split
 * @param validation validation split
 * @param test test split
 */
public record Corpus(String name, TextSplit train, TextSplit validation, TextSplit test) {

    /** The split named by {@code split}. */
    public TextSplit get(Split split) {
        return switch (split) {
            case TRAIN -> train;
            case VALIDATION -> validation;
            case TEST -> test;
        };
    }

    /**
     * Splits one list of lines into three by a seeded random assignment of each line: a line goes
     * to validation with probability {@code validationFraction}, to test with {@code testFraction},
     * otherwise to train. Lines keep their order within each split. The same seed and input always
     * give the same splits.
     *
     * @throws IllegalArgumentException if the fractions are negative or sum to 1 or more
     */
    public static Corpus splitByFraction(
            String name,
            List<String> lines,
            double validationFraction,
            double testFraction,
            long seed) {
        if (validationFraction < 0 || testFraction < 0 || validationFraction + testFraction >= 1) {
            throw new IllegalArgumentException(
                    "split fractions must be non-negative and sum to less than 1, got validation="
                            + validationFraction
                            + " test="
                            + testFraction);
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<String> train = new ArrayList<>();
        List<String> validation = new ArrayList<>();
        List<String> test = new ArrayList<>();
        for (String line : lines) {
            double u = random.nextDouble();
            if (u < validationFraction) {
                validation.add(line);
            } else if (u < validationFraction + testFraction) {
                test.add(line);
            } else {
                train.add(line);
            }
        }
        return new Corpus(
                name, new TextSplit(train), new TextSplit(validation), new TextSplit(test));
    }
}
