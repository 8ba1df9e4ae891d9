package dev.ouroboros.eval.diversity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Self-BLEU (Zhu et al. 2018, Texygen): each text of a sample is scored with sentence BLEU-4
 * against all the others as references; the result is the mean. High self-BLEU = texts that repeat
 * each other.
 *
 * <p>BLEU-4 here: uniform weights over 1- to 4-gram modified precisions (a hypothesis n-gram's
 * count clipped by its largest count in any one reference), brevity penalty exp(1 − r/c) when c
 * &lt; r with r the reference length closest to c (the shorter one on a tie), and smoothing
 * <b>method 1 of Chen &amp; Cherry (2014)</b> as in NLTK's {@code SmoothingFunction().method1}: an
 * order with no match gets precision ε / max(1, n-grams), ε = 0.1. Texts without words are left
 * out.
 */
public final class SelfBleu {
    /** Chen &amp; Cherry method-1 epsilon. */
    public static final double EPSILON = 0.1;

    private static final int MAX_N = 4;

    private SelfBleu() {}

    /**
     * Self-BLEU of at most {@code maxTexts} texts drawn without replacement by {@code rng} (all of
     * them if there are fewer).
     *
     * @return NaN when fewer than 2 non-empty texts remain
     */
    public static double of(List<List<String>> texts, int maxTexts, RandomGenerator rng) {
        List<List<String>> pool = new ArrayList<>();
        for (List<String> t : texts) {
            if (!t.isEmpty()) {
                pool.add(t);
            }
        }
        // partial Fisher–Yates: the first k of the pool become the sample
        int k = Math.min(maxTexts, pool.size());
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(pool.size() - i);
            List<String> t = pool.get(i);
            pool.set(i, pool.get(j));
            pool.set(j, t);
        }
        return ofAll(pool.subList(0, k));
    }

    /** Self-BLEU of exactly these texts (each vs all others); NaN when fewer than 2. */
    public static double ofAll(List<List<String>> texts) {
        int k = texts.size();
        if (k < 2) {
            return Double.NaN;
        }
        List<List<Map<List<String>, Integer>>> grams = new ArrayList<>();
        for (List<String> t : texts) {
            List<Map<List<String>, Integer>> byN = new ArrayList<>();
            for (int n = 1; n <= MAX_N; n++) {
                byN.add(ngrams(t, n));
            }
            grams.add(byN);
        }
        double sum = 0;
        for (int i = 0; i < k; i++) {
            List<List<String>> refs = new ArrayList<>();
            List<List<Map<List<String>, Integer>>> refGrams = new ArrayList<>();
            for (int j = 0; j < k; j++) {
                if (j != i) {
                    refs.add(texts.get(j));
                    refGrams.add(grams.get(j));
                }
            }
            sum += bleu(texts.get(i), grams.get(i), refs, refGrams);
        }
        return sum / k;
    }

    /** Sentence BLEU-4 of {@code hyp} against {@code refs}, as defined in the class comment. */
    public static double sentenceBleu(List<String> hyp, List<List<String>> refs) {
        List<Map<List<String>, Integer>> h = new ArrayList<>();
        List<List<Map<List<String>, Integer>>> r = new ArrayList<>();
        for (int n = 1; n <= MAX_N; n++) {
            h.add(ngrams(hyp, n));
        }
        for (List<String> ref : refs) {
            List<Map<List<String>, Integer>> byN = new ArrayList<>();
            for (int n = 1; n <= MAX_N; n++) {
                byN.add(ngrams(ref, n));
            }
            r.add(byN);
        }
        return bleu(hyp, h, refs, r);
    }

    private static double bleu(
            List<String> hyp,
            List<Map<List<String>, Integer>> hypGrams,
            List<List<String>> refs,
            List<List<Map<List<String>, Integer>>> refGrams) {
        double logP = 0;
        for (int n = 1; n <= MAX_N; n++) {
            long matched = 0;
            long total = 0;
            for (Map.Entry<List<String>, Integer> e : hypGrams.get(n - 1).entrySet()) {
                int maxRef = 0;
                for (List<Map<List<String>, Integer>> r : refGrams) {
                    maxRef = Math.max(maxRef, r.get(n - 1).getOrDefault(e.getKey(), 0));
                }
                matched += Math.min(e.getValue(), maxRef);
                total += e.getValue();
            }
            double p = matched > 0 ? (double) matched / total : EPSILON / Math.max(1, total);
            logP += Math.log(p) / MAX_N;
        }
        int c = hyp.size();
        int r = Integer.MAX_VALUE;
        for (List<String> ref : refs) {
            int len = ref.size();
            if (r == Integer.MAX_VALUE
                    || Math.abs(len - c) < Math.abs(r - c)
                    || (Math.abs(len - c) == Math.abs(r - c) && len < r)) {
                r = len;
            }
        }
        double bp = c >= r ? 1 : Math.exp(1 - (double) r / c);
        return bp * Math.exp(logP);
    }

    private static Map<List<String>, Integer> ngrams(List<String> t, int n) {
        Map<List<String>, Integer> m = new HashMap<>();
        for (int i = 0; i + n <= t.size(); i++) {
            m.merge(t.subList(i, i + n), 1, Integer::sum);
        }
        return m;
    }
}
