package dev.ouroboros.eval.syntax;

import dev.ouroboros.eval.diversity.CompressionRatio;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Syntactic diversity as Guo et al. (2024) define it, and the POS compression ratio of Shaib et al.
 * (2024), from parsed sentences.
 */
public final class SyntacticDiversity {
    /** WL iterations (Guo et al.: 2). */
    public static final int WL_ITERATIONS = 2;

    private SyntacticDiversity() {}

    /**
     * 1 − the mean normalised WL subtree kernel over the pairs of at most {@code maxSentences}
     * sentences drawn without replacement by {@code rng} (all of them if fewer; partial
     * Fisher–Yates, as self-BLEU draws its texts). Sentences without tokens are left out first.
     *
     * @return NaN with fewer than 2 sentences
     */
    public static double wl(List<ParsedSentence> sentences, int maxSentences, RandomGenerator rng) {
        List<ParsedSentence> pool = new ArrayList<>();
        for (ParsedSentence s : sentences) {
            if (!s.words().isEmpty()) {
                pool.add(s);
            }
        }
        int k = Math.min(maxSentences, pool.size());
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(pool.size() - i);
            ParsedSentence t = pool.get(i);
            pool.set(i, pool.get(j));
            pool.set(j, t);
        }
        List<LabelledGraph> graphs =
                pool.subList(0, k).stream().map(ParsedSentence::graph).toList();
        return 1 - new WlKernel(WL_ITERATIONS).meanOffDiagonal(graphs);
    }

    /**
     * The compression ratio of the texts' Penn Treebank tag sequences: each text's tags joined by
     * spaces, the texts joined by spaces (as Shaib et al.'s {@code diversity} package does with
     * NLTK's tagger).
     *
     * @param parsed per text, its parsed sentences
     */
    public static double crPos(List<List<ParsedSentence>> parsed) {
        List<String> tagged = new ArrayList<>();
        for (List<ParsedSentence> text : parsed) {
            List<String> tags = new ArrayList<>();
            for (ParsedSentence s : text) {
                tags.addAll(s.xpos());
            }
            tagged.add(String.join(" ", tags));
        }
        return CompressionRatio.of(tagged);
    }
}
