package dev.ouroboros.eval.metrics;

import dev.ouroboros.eval.metrics.MetricDef.Better;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The registry of metric names that may appear in {@code metrics.jsonl}. docs/metrics.md documents
 * each one; {@code MetricDefsTest} checks that the doc table and this registry agree.
 *
 * <p>One family is parameterised: {@code ppl_blocks<B>} (B = block size, e.g. {@code
 * ppl_blocks64}).
 */
public final class MetricDefs {
    private static final Pattern BLOCKS = Pattern.compile("ppl_blocks([1-9][0-9]{0,4})");
    private static final Map<String, MetricDef> BY_NAME = new LinkedHashMap<>();

    static {
        // perplexity (model side; raw sums in the row's "raw" object)
        add(
                "ppl_rolling_token",
                "lm-eval loglikelihood_rolling token perplexity: exp(Σ NLL / n_tokens)",
                Better.LOWER,
                "ppl");
        add(
                "ppl_rolling_word",
                "same NLL divided by the whitespace word count (lm-eval word_perplexity)",
                Better.LOWER,
                "ppl");
        add(
                "ppl_rolling_byte",
                "same NLL divided by the UTF-8 byte count (lm-eval byte_perplexity)",
                Better.LOWER,
                "ppl");
        add("bits_per_byte", "Σ NLL / (n_bytes · ln 2)", Better.LOWER, "bits");
        add(
                "ppl_sample_p10",
                "10th percentile of per-sample perplexity under the generation-0 model",
                Better.NEITHER,
                "ppl");
        add(
                "ppl_sample_p50",
                "median per-sample perplexity under the generation-0 model",
                Better.NEITHER,
                "ppl");
        add(
                "ppl_sample_p90",
                "90th percentile of per-sample perplexity under the generation-0 model",
                Better.NEITHER,
                "ppl");
        // lexical diversity (text side)
        add("distinct_1", "distinct unigrams / unigrams over all texts", Better.HIGHER, "ratio");
        add(
                "distinct_2",
                "distinct bigrams / bigrams (bigrams do not cross text boundaries)",
                Better.HIGHER,
                "ratio");
        add(
                "distinct_3",
                "distinct trigrams / trigrams (trigrams do not cross text boundaries)",
                Better.HIGHER,
                "ratio");
        add(
                "ttr",
                "type-token ratio of the concatenated word stream (length-dependent)",
                Better.HIGHER,
                "ratio");
        add(
                "mattr50",
                "moving-average TTR, window 50 words (TTR if shorter)",
                Better.HIGHER,
                "ratio");
        add(
                "mtld",
                "MTLD (McCarthy & Jarvis 2010), threshold 0.72, mean of forward and backward",
                Better.HIGHER,
                "words");
        add(
                "unigram_entropy",
                "plug-in entropy of the word unigram distribution",
                Better.HIGHER,
                "bits");
        add(
                "zipf_exponent",
                "−slope of log frequency vs log rank over types with frequency ≥ 2",
                Better.NEITHER,
                "exponent");
        add(
                "self_bleu4",
                "mean BLEU-4 (Chen & Cherry method 1, ε = 0.1) of each sampled text vs the others",
                Better.LOWER,
                "ratio");
        // semantic diversity (text side, with eval.semantic_encoder)
        add(
                "semantic_cosine",
                "mean pairwise cosine distance (1 − cos) of sentence embeddings of ≤ 3000 sampled sentences (Guo et al. 2024)",
                Better.HIGHER,
                "distance");
        // syntactic diversity and compression (Guo et al. 2024; Shaib et al. 2024)
        add(
                "syntactic_wl2",
                "1 − mean pairwise normalised WL subtree kernel (2 iterations) of sampled sentences' UPOS dependency trees",
                Better.HIGHER,
                "ratio");
        add(
                "cr",
                "gzip compression ratio (level 9): UTF-8 bytes / gzip bytes of the texts joined by spaces",
                Better.LOWER,
                "ratio");
        add(
                "cr_pos",
                "gzip compression ratio (level 9) of the texts' Penn Treebank POS-tag sequence",
                Better.LOWER,
                "ratio");
        // tail
        add(
                "rare_recall_decile",
                "share of the reference's bottom-decile word types that the generated text contains",
                Better.HIGHER,
                "ratio");
        add(
                "rare_recall_hapax",
                "share of the reference's hapax word types that the generated text contains",
                Better.HIGHER,
                "ratio");
        add(
                "rare_mass_decile",
                "model probability mass on the reference's bottom-decile token ids",
                Better.HIGHER,
                "probability");
        add(
                "rare_mass_hapax",
                "model probability mass on the reference's hapax token ids",
                Better.HIGHER,
                "probability");
        add(
                "rare_recall_corpus_decile",
                "share of the reference's word types in the test split's bottom frequency decile that the generated text contains",
                Better.HIGHER,
                "ratio");
        add(
                "rare_word_mass_corpus_decile",
                "P(next word is one of the reference's test-split-decile words | prompt), whole words (product over BPE pieces)",
                Better.HIGHER,
                "probability");
        add(
                "rare_word_mass_hapax",
                "P(next word is one of the reference's hapax words | prompt), whole words (product over BPE pieces)",
                Better.HIGHER,
                "probability");
        add(
                "degenerate_share",
                "share of the synthetic set's blocks that are degenerate (one token ≥ 75% of positions, or ≥ 75% whitespace)",
                Better.LOWER,
                "ratio");
        add(
                "kl_model_true",
                "KL(model unigram ‖ true unigram) on the ground-truth language, both mixed with 1e-6 uniform",
                Better.LOWER,
                "bits");
        add(
                "kl_true_model",
                "KL(true unigram ‖ model unigram) on the ground-truth language, both mixed with 1e-6 uniform",
                Better.LOWER,
                "bits");
        add(
                "tail_mass_lost",
                "share of the true language's bottom-decile mass that the model no longer assigns",
                Better.LOWER,
                "ratio");
        // Gaussian testbed
        add(
                "gauss_mean_sq_error",
                "Gaussian testbed: squared distance of the fitted mean from the true mean",
                Better.LOWER,
                "squared units");
        add(
                "gauss_variance",
                "Gaussian testbed: fitted variance (trace of the unbiased covariance / d); the truth is σ²",
                Better.NEITHER,
                "squared units");
    }

    private MetricDefs() {}

    private static void add(String name, String description, Better better, String unit) {
        BY_NAME.put(name, new MetricDef(name, 1, description, better, unit));
    }

    /** {@code ppl_blocks<B>}. */
    public static MetricDef pplBlocks(int block) {
        return new MetricDef(
                "ppl_blocks" + block,
                1,
                "Shumailov blocks of "
                        + block
                        + " tokens: exp(Σ NLL / Σ predictions), each block predicting its "
                        + (block - 1)
                        + " next tokens",
                Better.LOWER,
                "ppl");
    }

    /** The definition of {@code name}, if registered. */
    public static Optional<MetricDef> find(String name) {
        MetricDef d = BY_NAME.get(name);
        if (d != null) {
            return Optional.of(d);
        }
        Matcher m = BLOCKS.matcher(name);
        if (m.matches() && Integer.parseInt(m.group(1)) >= 2) {
            return Optional.of(pplBlocks(Integer.parseInt(m.group(1))));
        }
        return Optional.empty();
    }

    /**
     * The definition of {@code name}.
     *
     * @throws IllegalArgumentException naming the closest registered names when {@code name} is
     *     unknown
     */
    public static MetricDef require(String name) {
        return find(name)
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "unknown metric '" + name + "'" + didYouMean(name)));
    }

    /**
     * Every fixed-name metric, plus {@code ppl_blocks64} for the family, in documentation order.
     */
    public static List<MetricDef> all() {
        List<MetricDef> out = new ArrayList<>();
        out.add(pplBlocks(64));
        out.addAll(BY_NAME.values());
        return Collections.unmodifiableList(out);
    }

    static String didYouMean(String name) {
        List<String> names = new ArrayList<>(BY_NAME.keySet());
        names.add("ppl_blocks64");
        names.sort(
                Comparator.comparingInt((String n) -> levenshtein(n, name)).thenComparing(n -> n));
        List<String> close =
                names.stream()
                        .filter(n -> levenshtein(n, name) <= Math.max(2, name.length() / 3))
                        .limit(3)
                        .toList();
        return close.isEmpty() ? "" : "; did you mean " + String.join(", ", close) + "?";
    }

    private static int levenshtein(String a, String b) {
        return org.apache.commons.text.similarity.LevenshteinDistance.getDefaultInstance()
                .apply(a, b);
    }
}
