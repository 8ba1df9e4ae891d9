package dev.ouroboros.eval.semantic;

import dev.ouroboros.eval.diversity.Words;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * The sentences of decoded text, split simply: a sentence ends at a line break, or at {@code .},
 * {@code !} or {@code ?} (a run of them, with any closing quotes or brackets right after) followed
 * by whitespace. Each piece is trimmed; a piece without a word ({@link Words}) is dropped. No
 * abbreviation list: {@code "U.S. Army"} is two sentences, and a continuation cut at its token
 * limit ends in a fragment, which counts as a sentence. wikitext's {@code @.@} (a decimal point
 * between spaces) does not end a sentence, since no whitespace follows the dot.
 */
public final class Sentences {
    /** Guo et al. (2024) sample at most this many sentences per generation. */
    public static final int SAMPLE = 3000;

    /** The exact boundary pattern: {@value #BOUNDARY}. */
    public static final String BOUNDARY = "\\R+|(?<=[.!?][\"'”’)\\]]{0,3})[ \\t\\x0B\\f]+";

    private static final Pattern SPLIT = Pattern.compile(BOUNDARY);

    private Sentences() {}

    /** The sentences of {@code text}, in order. */
    public static List<String> of(String text) {
        List<String> out = new ArrayList<>();
        for (String piece : SPLIT.split(text)) {
            String s = piece.strip();
            if (!s.isEmpty() && !Words.of(s).isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    /** The sentences of every text, text after text. */
    public static List<String> ofAll(List<String> texts) {
        List<String> out = new ArrayList<>();
        for (String t : texts) {
            out.addAll(of(t));
        }
        return out;
    }

    /**
     * At most {@code max} of {@code sentences}, drawn without replacement by {@code rng} (a partial
     * Fisher–Yates, as {@code SelfBleu}) and returned in their original order; all of them, in
     * order, when there are no more than {@code max}.
     */
    public static List<String> sample(List<String> sentences, int max, RandomGenerator rng) {
        int n = sentences.size();
        if (n <= max) {
            return List.copyOf(sentences);
        }
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        for (int i = 0; i < max; i++) {
            int j = i + rng.nextInt(n - i);
            int tmp = idx[i];
            idx[i] = idx[j];
            idx[j] = tmp;
        }
        int[] chosen = java.util.Arrays.copyOf(idx, max);
        java.util.Arrays.sort(chosen);
        List<String> out = new ArrayList<>(max);
        for (int i : chosen) {
            out.add(sentences.get(i));
        }
        return out;
    }
}
