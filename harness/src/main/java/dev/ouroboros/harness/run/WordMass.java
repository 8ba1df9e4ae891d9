package dev.ouroboros.harness.run;

import dev.ouroboros.eval.Perplexity;
import dev.ouroboros.eval.diversity.Words;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.TokenNll;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Word-level rare-word mass ({@code rare_word_mass_*}, docs/metrics.md#tail-metrics): the
 * probability the model gives, right after a prompt, to the next word being one of a set of rare
 * words, each word's probability that of its whole token sequence (the product over its BPE pieces,
 * each given the prompt and the pieces before it), not of its first piece only.
 *
 * <p>A word's forms are its surface spellings in the reference text (case kept), each with and
 * without a leading space, distinct token sequences counted once. P(word | prompt) = Σ over its
 * forms of Π_k p(piece_k | prompt, piece_&lt;k); the mass of a set is the sum over its words, and
 * the metric is the mean over the prompts.
 *
 * <p>Batched on the device: every (prompt, form) pair is one row {@code prompt ⊕ form} (right
 * padded; a causal model never looks ahead, so padding changes nothing before it), scored by {@link
 * Perplexity#rowSums} with targets only on the form's pieces; one float per row comes back to the
 * host, in row order, summed in double.
 */
final class WordMass {
    private static final Pattern WORD = Pattern.compile(Words.REGEX);

    private WordMass() {}

    /**
     * Per set, the mean over {@code prompts} of the probability of the next word being in the set;
     * NaN for an empty set or no prompts.
     *
     * @param reference the real texts the words were counted in (their surface spellings)
     * @param rowsPerForward (prompt, form) rows per forward pass
     */
    static double[] of(
            LanguageModel model,
            OptTokenizer tok,
            List<long[]> prompts,
            List<String> reference,
            List<Set<String>> sets,
            int rowsPerForward) {
        Map<String, Set<String>> spellings = spellings(reference);
        int longestPrompt = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
        // a form must fit the model's positions after the prompt (its last piece is no input)
        int maxPieces = model.config().maxPositionEmbeddings() - longestPrompt + 1;
        double[] out = new double[sets.size()];
        for (int i = 0; i < out.length; i++) {
            List<long[]> forms =
                    forms(tok, sets.get(i), spellings, model.config().vocabSize()).stream()
                            .filter(f -> f.length <= maxPieces)
                            .toList();
            out[i] =
                    forms.isEmpty() || prompts.isEmpty()
                            ? Double.NaN
                            : mass(model, tok, prompts, forms, rowsPerForward) / prompts.size();
        }
        return out;
    }

    /** Lower-cased word → its surface spellings in {@code texts}, in first-seen order. */
    static Map<String, Set<String>> spellings(List<String> texts) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (String t : texts) {
            Matcher m = WORD.matcher(t);
            while (m.find()) {
                out.computeIfAbsent(m.group().toLowerCase(Locale.ROOT), k -> new LinkedHashSet<>())
                        .add(m.group());
            }
        }
        return out;
    }

    /**
     * The distinct token sequences of the words' forms (each spelling with and without a leading
     * space), in a fixed order; sequences with an id outside the model's vocabulary are left out.
     */
    static List<long[]> forms(
            OptTokenizer tok, Set<String> words, Map<String, Set<String>> spellings, int vocab) {
        TreeSet<long[]> seen = new TreeSet<>(Arrays::compare);
        for (String w : new TreeSet<>(words)) {
            for (String s : spellings.getOrDefault(w, Set.of(w))) {
                for (String form : new String[] {s, " " + s}) {
                    long[] ids = tok.encodeNoSpecial(form);
                    if (ids.length > 0 && Arrays.stream(ids).allMatch(id -> id < vocab)) {
                        seen.add(ids);
                    }
                }
            }
        }
        return new ArrayList<>(seen);
    }

    /** Σ over prompts and forms of P(form | prompt). */
    private static double mass(
            LanguageModel model,
            OptTokenizer tok,
            List<long[]> prompts,
            List<long[]> forms,
            int rowsPerForward) {
        List<long[][]> rows = new ArrayList<>(); // (prompt, form) pairs
        for (long[] p : prompts) {
            for (long[] f : forms) {
                rows.add(new long[][] {p, f});
            }
        }
        // rows of one length together: less padding
        rows.sort(Comparator.comparingInt((long[][] r) -> r[0].length + r[1].length));
        double sum = 0;
        long pad = tok.padId();
        for (int start = 0; start < rows.size(); start += rowsPerForward) {
            List<long[][]> part =
                    rows.subList(start, Math.min(rows.size(), start + rowsPerForward));
            int len = 0;
            for (long[][] r : part) {
                len = Math.max(len, r[0].length + r[1].length - 1);
            }
            long[][] ids = new long[part.size()][len];
            long[][] targets = new long[part.size()][len];
            for (int i = 0; i < part.size(); i++) {
                long[] p = part.get(i)[0];
                long[] f = part.get(i)[1];
                Arrays.fill(ids[i], pad);
                Arrays.fill(targets[i], TokenNll.IGNORE);
                System.arraycopy(p, 0, ids[i], 0, p.length);
                System.arraycopy(f, 0, ids[i], p.length, f.length - 1);
                for (int k = 0; k < f.length; k++) {
                    targets[i][p.length - 1 + k] = f[k];
                }
            }
            for (double nll : Perplexity.rowSums(model, ids, targets)) {
                sum += Math.exp(-nll);
            }
        }
        return sum;
    }
}
