package dev.ouroboros.eval.diversity;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Lexical diversity of a set of texts, each given as its {@link Words}. Corpus-level: n-grams do
 * not cross text boundaries; TTR, MATTR, MTLD, entropy and Zipf use the texts' words concatenated
 * in order.
 *
 * <p>All of these except MATTR and MTLD depend on the amount of text: compare them only between
 * samples of equal size (the harness generates the same number of blocks every generation).
 */
public final class LexicalDiversity {
    /** MTLD's TTR threshold (McCarthy &amp; Jarvis 2010). */
    public static final double MTLD_THRESHOLD = 0.72;

    /** MATTR's window (Covington &amp; McFall 2010). */
    public static final int MATTR_WINDOW = 50;

    private LexicalDiversity() {}

    /**
     * distinct-n (Li et al. 2016): distinct n-grams / n-grams, over all texts; n-grams do not cross
     * texts. 0 when there is no n-gram.
     */
    public static double distinctN(List<List<String>> texts, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be ≥ 1, got " + n);
        }
        Set<List<String>> seen = new HashSet<>();
        long total = 0;
        for (List<String> t : texts) {
            for (int i = 0; i + n <= t.size(); i++) {
                seen.add(t.subList(i, i + n));
                total++;
            }
        }
        return total == 0 ? 0 : (double) seen.size() / total;
    }

    /** Types / tokens; 0 for no tokens. */
    public static double ttr(List<String> words) {
        return words.isEmpty() ? 0 : (double) new HashSet<>(words).size() / words.size();
    }

    /**
     * Moving-average type-token ratio (Covington &amp; McFall 2010): the mean TTR of every window
     * of {@code window} consecutive words (N − W + 1 windows); the plain TTR when there are fewer
     * than {@code window} words.
     */
    public static double mattr(List<String> words, int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be ≥ 1, got " + window);
        }
        int n = words.size();
        if (n < window) {
            return ttr(words);
        }
        Map<String, Integer> in = new HashMap<>();
        for (int i = 0; i < window; i++) {
            in.merge(words.get(i), 1, Integer::sum);
        }
        double sum = in.size();
        for (int i = window; i < n; i++) {
            in.merge(words.get(i), 1, Integer::sum);
            String out = words.get(i - window);
            if (in.merge(out, -1, Integer::sum) == 0) {
                in.remove(out);
            }
            sum += in.size();
        }
        return sum / window / (n - window + 1);
    }

    /**
     * MTLD (McCarthy &amp; Jarvis 2010): the mean of a forward and a backward pass. A pass reads
     * words, keeping the TTR of the current segment; when it falls to {@code threshold} or below,
     * one factor is counted and the segment restarts. The unfinished last segment adds the partial
     * factor (1 − TTR) / (1 − threshold). The pass's value is N / factors.
     *
     * @return NaN when a pass counts no factor at all (no word ever repeats): MTLD is then
     *     undefined
     */
    public static double mtld(List<String> words, double threshold) {
        List<String> rev = new ArrayList<>(words);
        Collections.reverse(rev);
        return (mtldPass(words, threshold) + mtldPass(rev, threshold)) / 2;
    }

    /** One directional MTLD pass; NaN when no factor is counted. */
    static double mtldPass(List<String> words, double threshold) {
        double factors = 0;
        Set<String> types = new HashSet<>();
        int tokens = 0;
        for (String w : words) {
            types.add(w);
            tokens++;
            if ((double) types.size() / tokens <= threshold) {
                factors++;
                types.clear();
                tokens = 0;
            }
        }
        if (tokens > 0) {
            factors += (1 - (double) types.size() / tokens) / (1 - threshold);
        }
        return factors == 0 ? Double.NaN : words.size() / factors;
    }

    /** Plug-in entropy in bits of the unigram distribution of {@code counts}; 0 when empty. */
    public static double entropyBits(Map<String, Long> counts) {
        double n = 0;
        for (long c : counts.values()) {
            n += c;
        }
        double h = 0;
        for (long c : counts.values()) {
            if (c > 0) {
                double p = c / n;
                h -= p * Math.log(p);
            }
        }
        return h / Math.log(2);
    }

    /**
     * Zipf exponent s of the rank-frequency curve f(r) ∝ r^−s: rank the types by frequency
     * (descending; ranks 1, 2, … in that order, ties ranked arbitrarily since they share f), keep
     * the ranks whose frequency is ≥ 2 (the hapax plateau would flatten the fit), and fit log f = a
     * − s·log r by ordinary least squares.
     *
     * @return NaN with fewer than 3 types of frequency ≥ 2
     */
    public static double zipfExponent(Map<String, Long> counts) {
        long[] f =
                counts.values().stream()
                        .mapToLong(Long::longValue)
                        .filter(c -> c >= 2)
                        .sorted()
                        .toArray();
        int k = f.length;
        if (k < 3) {
            return Double.NaN;
        }
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int r = 1; r <= k; r++) {
            double x = Math.log(r);
            double y = Math.log(f[k - r]); // descending
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        double slope = (k * sxy - sx * sy) / (k * sxx - sx * sx);
        return -slope;
    }

    /**
     * Every diversity metric by its registered name ({@code distinct_1..3}, {@code ttr}, {@code
     * mattr50}, {@code mtld}, {@code unigram_entropy}, {@code zipf_exponent}); undefined values
     * (NaN) are left out.
     */
    public static Map<String, Double> all(List<List<String>> texts) {
        List<String> words = Words.concat(texts);
        Map<String, Long> counts = Words.counts(texts);
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("distinct_1", distinctN(texts, 1));
        out.put("distinct_2", distinctN(texts, 2));
        out.put("distinct_3", distinctN(texts, 3));
        out.put("ttr", ttr(words));
        out.put("mattr50", mattr(words, MATTR_WINDOW));
        out.put("mtld", mtld(words, MTLD_THRESHOLD));
        out.put("unigram_entropy", entropyBits(counts));
        out.put("zipf_exponent", zipfExponent(counts));
        out.values().removeIf(v -> !Double.isFinite(v));
        return out;
    }
}
