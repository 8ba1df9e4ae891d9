package dev.ouroboros.eval.diversity;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What happens to the tails: rare words of the real reference that the model stops producing, the
 * probability it still gives them, and, on the synthetic ground-truth language, exact divergences
 * between unigram distributions. Everything takes plain counts and probability vectors; the model
 * side is computed elsewhere.
 *
 * <p><b>Bottom frequency decile</b> (used for words and token ids alike): the least frequent types
 * that together hold at least 10% of the reference's tokens. Precisely: f* is the smallest
 * frequency such that the types with frequency ≤ f* hold ≥ 10% of all tokens; the rare set is every
 * type with frequency ≤ f* (ties at the boundary all included, so the set never depends on an
 * arbitrary order). <b>Hapax</b> types occur exactly once.
 */
public final class TailMetrics {
    /** Share of the reference's tokens the bottom decile covers (at least). */
    public static final double DECILE = 0.1;

    /**
     * Weight of the uniform distribution mixed into both sides of a KL (so that no probability is
     * 0).
     */
    public static final double KL_UNIFORM_MIX = 1e-6;

    private TailMetrics() {}

    /**
     * The bottom-decile word types of {@code reference} (word → count), as defined in the class
     * comment.
     */
    public static <K> Set<K> bottomDecile(Map<K, Long> reference) {
        List<Map.Entry<K, Long>> byFreq = new ArrayList<>();
        long total = 0;
        for (Map.Entry<K, Long> e : reference.entrySet()) {
            if (e.getValue() > 0) {
                byFreq.add(e);
                total += e.getValue();
            }
        }
        byFreq.sort(Map.Entry.comparingByValue(Comparator.naturalOrder()));
        Set<K> out = new HashSet<>();
        long held = 0;
        long fStar = -1;
        for (Map.Entry<K, Long> e : byFreq) {
            if (fStar >= 0 && e.getValue() > fStar) {
                break;
            }
            out.add(e.getKey());
            held += e.getValue();
            if (fStar < 0 && held >= DECILE * total) {
                fStar = e.getValue(); // keep going to include the ties of f*
            }
        }
        return out;
    }

    /**
     * f*, the frequency that bounds the bottom decile of {@code counts} (the class comment); 0 when
     * nothing is counted.
     */
    public static <K> long decileFrequency(Map<K, Long> counts) {
        long total = 0;
        for (long v : counts.values()) {
            total += Math.max(0, v);
        }
        long[] freqs =
                counts.values().stream()
                        .mapToLong(Long::longValue)
                        .filter(v -> v > 0)
                        .sorted()
                        .toArray();
        long held = 0;
        for (long f : freqs) {
            held += f;
            if (held >= DECILE * total) {
                return f;
            }
        }
        return 0;
    }

    /**
     * The <b>corpus decile</b> of {@code types} (the word types of a short reference): those whose
     * frequency in the larger {@code corpus} is at most the corpus's f*, so that rarity is judged
     * on the corpus (the whole test split) rather than on the reference, where almost every rare
     * type occurs once and the bottom decile is the hapaxes. A type the corpus lacks counts 0 (in
     * the set).
     */
    public static <K> Set<K> corpusDecile(Set<K> types, Map<K, Long> corpus) {
        long fStar = decileFrequency(corpus);
        Set<K> out = new HashSet<>();
        for (K k : types) {
            if (corpus.getOrDefault(k, 0L) <= fStar) {
                out.add(k);
            }
        }
        return out;
    }

    /** The hapax types of {@code reference}. */
    public static <K> Set<K> hapaxes(Map<K, Long> reference) {
        Set<K> out = new HashSet<>();
        reference.forEach(
                (k, v) -> {
                    if (v == 1) {
                        out.add(k);
                    }
                });
        return out;
    }

    /**
     * Share of {@code rare} that occurs in {@code generated} (count &gt; 0); NaN when {@code rare}
     * is empty.
     */
    public static <K> double recall(Set<K> rare, Map<K, Long> generated) {
        if (rare.isEmpty()) {
            return Double.NaN;
        }
        long hit = 0;
        for (K k : rare) {
            if (generated.getOrDefault(k, 0L) > 0) {
                hit++;
            }
        }
        return (double) hit / rare.size();
    }

    /** Token id → count, from a count vector (ids with count 0 left out). */
    public static Map<Integer, Long> idCounts(long[] counts) {
        Map<Integer, Long> m = new java.util.HashMap<>();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0) {
                m.put(i, counts[i]);
            }
        }
        return m;
    }

    /**
     * Probability mass {@code probs} puts on {@code ids}: Σ probs[id]. {@code probs} is a per-token
     * probability vector over the vocabulary (e.g. the model's next-token distribution averaged
     * over the reference's positions).
     */
    public static double massOn(double[] probs, Set<Integer> ids) {
        double m = 0;
        for (int id : ids) {
            if (id < 0 || id >= probs.length) {
                throw new IllegalArgumentException(
                        "token id " + id + " outside the vocabulary of " + probs.length);
            }
            m += probs[id];
        }
        return m;
    }

    /**
     * KL(p ‖ q) in bits, exact over the support, after mixing both with the uniform distribution:
     * p̃ = (1 − λ)p + λ/V with λ = {@value #KL_UNIFORM_MIX}. The mix keeps the divergence finite
     * when one side has zeros (a model that never emits a true token) and changes it by O(λ)
     * otherwise.
     *
     * @param p a probability vector (sums to 1 within 1e-6)
     * @param q a probability vector of the same length
     */
    public static double klBits(double[] p, double[] q) {
        if (p.length != q.length || p.length == 0) {
            throw new IllegalArgumentException(
                    "KL needs two vectors of one non-zero length, got "
                            + p.length
                            + " and "
                            + q.length);
        }
        checkDistribution(p, "p");
        checkDistribution(q, "q");
        double u = KL_UNIFORM_MIX / p.length;
        double kl = 0;
        for (int i = 0; i < p.length; i++) {
            double a = (1 - KL_UNIFORM_MIX) * p[i] + u;
            double b = (1 - KL_UNIFORM_MIX) * q[i] + u;
            kl += a * Math.log(a / b);
        }
        return Math.max(0, kl / Math.log(2));
    }

    /**
     * Share of the true distribution's bottom-decile mass (the least probable tokens holding ≥ 10%
     * of the probability, ties included, as for counts) that the model no longer assigns: Σ_tail
     * max(0, true − model) / Σ_tail true. 0 = the whole tail is still covered, 1 = the tail is
     * gone. Over-weighting one tail token does not make up for losing another.
     */
    public static double tailMassLost(double[] trueP, double[] modelP) {
        if (trueP.length != modelP.length) {
            throw new IllegalArgumentException(
                    "lengths differ: " + trueP.length + " vs " + modelP.length);
        }
        checkDistribution(trueP, "true");
        checkDistribution(modelP, "model");
        Integer[] order = new Integer[trueP.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, Comparator.comparingDouble(i -> trueP[i]));
        double held = 0;
        double lost = 0;
        double pStar = -1;
        for (int i : order) {
            if (trueP[i] <= 0) {
                continue; // not in the true support
            }
            if (pStar >= 0 && trueP[i] > pStar) {
                break;
            }
            held += trueP[i];
            lost += Math.max(0, trueP[i] - modelP[i]);
            if (pStar < 0 && held >= DECILE - 1e-12) {
                pStar = trueP[i];
            }
        }
        return held == 0 ? Double.NaN : lost / held;
    }

    /** Normalised unigram distribution of a count vector. */
    public static double[] unigram(long[] counts) {
        double n = 0;
        for (long c : counts) {
            n += c;
        }
        if (n == 0) {
            throw new IllegalArgumentException("no counts");
        }
        double[] p = new double[counts.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = counts[i] / n;
        }
        return p;
    }

    private static void checkDistribution(double[] p, String what) {
        double s = 0;
        for (double v : p) {
            if (!(v >= 0) || !Double.isFinite(v)) {
                throw new IllegalArgumentException(
                        what + ": probabilities must be finite and ≥ 0, got " + v);
            }
            s += v;
        }
        if (Math.abs(s - 1) > 1e-6) {
            throw new IllegalArgumentException(what + ": probabilities sum to " + s + ", not 1");
        }
    }
}
