package dev.ouroboros.harness.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.ouroboros.datasets.BlockSource;
import dev.ouroboros.datasets.GroundTruthLanguage;
import dev.ouroboros.eval.BlocksPerplexity;
import dev.ouroboros.eval.Perplexity;
import dev.ouroboros.eval.RollingPerplexity;
import dev.ouroboros.eval.diversity.LexicalDiversity;
import dev.ouroboros.eval.diversity.SelfBleu;
import dev.ouroboros.eval.diversity.TailMetrics;
import dev.ouroboros.eval.diversity.Words;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.eval.report.Distribution;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.TokenIds;
import dev.ouroboros.models.TokenNll;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGeneratorFactory;

/**
 * The evaluation of one generation: the rows it appends to metrics.jsonl.
 *
 * <ul>
 *   <li>split {@code test}: perplexity of the real test blocks (protocol blocks with B =
 *       data.block_size, and rolling when eval.rolling_window > 0);
 *   <li>split {@code generated}: the model continues the even-numbered test blocks; lexical
 *       diversity, self-BLEU and tail metrics of those continuations;
 *   <li>split {@code real}: the same metrics of the real continuations (the odd-numbered blocks
 *       that follow each prompt): the reference line, equal-length text;
 *   <li>both splits: {@code semantic_cosine} when {@code eval.semantic_encoder} is set ({@link
 *       SemanticEval});
 *   <li>both text splits also get the compression ratio and, with {@code eval.syntactic}, the
 *       syntactic metrics ({@link SyntaxEval});
 *   <li>split {@code synthetic}: quantiles of the per-sample perplexity, under the generation-0
 *       model, of the synthetic set this generation made (Shumailov et al. Fig. 1).
 * </ul>
 */
final class GenerationEval {
    private GenerationEval() {}

    /**
     * The metric rows; the continuations the diversity metrics were computed on go to {@code
     * continuations} when it is not null (nothing else changes: the same decoding, the same text).
     */
    static List<MetricsRow> rows(
            RunConfig cfg,
            StudyData data,
            LanguageModel model,
            String policy,
            long seed,
            int t,
            double[] syntheticPpl,
            double degenerateShare,
            List<Continuation> continuations) {
        List<MetricsRow> rows = new ArrayList<>();
        rows.add(testRow(cfg, data, model, policy, seed, t));
        if (data.prompts().length > 0) {
            rows.addAll(textRows(cfg, data, model, policy, seed, t, continuations));
        }
        if (syntheticPpl != null && syntheticPpl.length > 0) {
            rows.add(syntheticRow(policy, seed, t, syntheticPpl, degenerateShare));
        }
        return rows;
    }

    /** Split {@code test}: the perplexities of the held-out text, with their raw sums. */
    private static MetricsRow testRow(
            RunConfig cfg, StudyData data, LanguageModel model, String policy, long seed, int t) {
        int b = cfg.data().blockSize();

        Map<String, Double> test = new LinkedHashMap<>();
        Map<String, Map<String, Double>> raw = new LinkedHashMap<>();
        BlocksPerplexity bp =
                Perplexity.blocks(
                        model, data.test().toTokenBlocks(), cfg.eval().batchSize(), n -> {});
        test.put("ppl_blocks" + b, bp.perplexity());
        raw.put(
                "ppl_blocks" + b,
                ordered("nll_sum", bp.nllSum(), "n_predictions", (double) bp.nPredictions()));
        if (cfg.eval().rollingWindow() > 0) {
            long[] ids = data.tokenizer().encodeNoSpecial(data.testText());
            RollingPerplexity rp =
                    Perplexity.rolling(
                            model,
                            data.testText(),
                            ids,
                            data.tokenizer().bosId(),
                            cfg.eval().rollingWindow(),
                            cfg.eval().batchSize(),
                            n -> {});
            test.put("ppl_rolling_token", rp.tokenPerplexity());
            test.put("ppl_rolling_word", rp.wordPerplexity());
            test.put("ppl_rolling_byte", rp.bytePerplexity());
            test.put("bits_per_byte", rp.bitsPerByte());
            raw.put(
                    "ppl_rolling",
                    ordered(
                            "nll_sum",
                            rp.nllSum(),
                            "n_tokens",
                            (double) rp.nTokens(),
                            "n_words",
                            (double) rp.nWords(),
                            "n_bytes",
                            (double) rp.nBytes()));
        }
        requireFinite(policy, seed, t, test);
        return MetricsRow.of(policy, (int) seed, t, "test", test, raw);
    }

    /**
     * A test perplexity that overflows (a mean NLL above ~709 nats per token: exp beyond a double)
     * is a model that diverged in training while its losses stayed finite: the run stops with one
     * line and the advice, exit 2, instead of an internal error where the row is made.
     */
    private static void requireFinite(String policy, long seed, int t, Map<String, Double> test) {
        for (Map.Entry<String, Double> e : test.entrySet()) {
            if (!Double.isFinite(e.getValue())) {
                throw new dev.ouroboros.models.UserInputException(
                        "policy="
                                + policy
                                + " seed="
                                + seed
                                + " gen="
                                + t
                                + ": the test "
                                + e.getKey()
                                + " is "
                                + e.getValue()
                                + " (the mean NLL overflows exp): the model diverged in training;"
                                + " most often the learning rate is too high (lower optim.lr,"
                                + " raise schedule.warmup_steps)");
            }
        }
    }

    /**
     * Splits {@code generated} and {@code real}: the diversity prompts continued by the model, and
     * the real text that follows them, under the same metrics; the continuations also go to {@code
     * continuations} when it is not null.
     */
    private static List<MetricsRow> textRows(
            RunConfig cfg,
            StudyData data,
            LanguageModel model,
            String policy,
            long seed,
            int t,
            List<Continuation> continuations) {
        OptTokenizer tok = data.tokenizer();
        List<long[]> prompts = new ArrayList<>();
        List<String> realText = new ArrayList<>();
        for (int at : data.prompts()) {
            prompts.add(TokenIds.toLong(data.test().block(at)));
            realText.add(tok.decode(TokenIds.toLong(data.test().block(at + 1))));
        }
        int per = cfg.generate().batchSize().fixed();
        List<long[]> news = continueAll(cfg, model, tok, prompts, per, seed, t);
        List<String> genText = new ArrayList<>();
        for (int i = 0; i < news.size(); i++) {
            String text = tok.decode(news.get(i));
            if (continuations != null) {
                continuations.add(
                        new Continuation(
                                i,
                                data.prompts()[i],
                                prompts.get(i),
                                tok.decode(prompts.get(i)),
                                news.get(i),
                                text,
                                realText.get(i)));
            }
            genText.add(text);
        }
        List<List<String>> real = Words.ofAll(realText);
        Map<String, Double> generated =
                diversity(cfg, Words.ofAll(genText), real, data.truth(), seed, t);
        Map<String, Long> refCounts = Words.counts(real);
        double[] mass =
                rareMass(
                        model,
                        tok,
                        prompts,
                        per,
                        List.of(
                                TailMetrics.bottomDecile(refCounts),
                                TailMetrics.hapaxes(refCounts)));
        putFinite(generated, "rare_mass_decile", mass[0]);
        putFinite(generated, "rare_mass_hapax", mass[1]);
        generated.putAll(SyntaxEval.metrics(cfg, genText, seed, t));
        Map<String, Double> reference = diversity(cfg, real, real, data.truth(), seed, t);
        // rarity judged on the whole test split (not the short reference, where the bottom
        // decile is the hapaxes), and the probability of whole words (TailMetrics, WordMass)
        Set<String> corpusDecile =
                TailMetrics.corpusDecile(
                        refCounts.keySet(), Words.counts(List.of(Words.of(data.testText()))));
        putFinite(
                generated,
                "rare_recall_corpus_decile",
                TailMetrics.recall(corpusDecile, Words.counts(Words.ofAll(genText))));
        putFinite(
                reference,
                "rare_recall_corpus_decile",
                TailMetrics.recall(corpusDecile, refCounts));
        double[] word =
                WordMass.of(
                        model,
                        tok,
                        prompts,
                        realText,
                        List.of(corpusDecile, TailMetrics.hapaxes(refCounts)),
                        cfg.eval().batchSize());
        putFinite(generated, "rare_word_mass_corpus_decile", word[0]);
        putFinite(generated, "rare_word_mass_hapax", word[1]);
        SemanticEval.add(cfg, model.device(), genText, realText, seed, t, generated, reference);
        reference.putAll(SyntaxEval.metrics(cfg, realText, seed, t));
        return List.of(
                MetricsRow.of(policy, (int) seed, t, "generated", generated, Map.of()),
                MetricsRow.of(policy, (int) seed, t, "real", reference, Map.of()));
    }

    /** The model's continuations of {@code prompts}, {@code per} at a time (one stream each). */
    private static List<long[]> continueAll(
            RunConfig cfg,
            LanguageModel model,
            OptTokenizer tok,
            List<long[]> prompts,
            int per,
            long seed,
            int t) {
        List<long[]> out = new ArrayList<>();
        for (int start = 0; start < prompts.size(); start += per) {
            List<long[]> batch = prompts.subList(start, Math.min(prompts.size(), start + per));
            out.addAll(
                    Synthesizer.continuations(
                            model,
                            tok,
                            batch,
                            cfg.generate(),
                            Seeds.mix(Seeds.eval(seed, t), start)));
        }
        return out;
    }

    /** Split {@code synthetic}: quantiles of the per-sample perplexities of S_{t+1}. */
    static MetricsRow syntheticRow(
            String policy, long seed, int t, double[] syntheticPpl, double degenerateShare) {
        Map<String, Double> q = new LinkedHashMap<>();
        q.put("ppl_sample_p10", Distribution.quantile(syntheticPpl, 0.1));
        q.put("ppl_sample_p50", Distribution.quantile(syntheticPpl, 0.5));
        q.put("ppl_sample_p90", Distribution.quantile(syntheticPpl, 0.9));
        putFinite(q, "degenerate_share", degenerateShare);
        return MetricsRow.of(policy, (int) seed, t, "synthetic", q, Map.of());
    }

    /**
     * Diversity, self-BLEU and tail metrics of {@code texts} against the real reference
     * continuations.
     */
    private static Map<String, Double> diversity(
            RunConfig cfg,
            List<List<String>> texts,
            List<List<String>> reference,
            GroundTruthLanguage truth,
            long seed,
            int t) {
        Map<String, Double> m = new LinkedHashMap<>(LexicalDiversity.all(texts));
        double bleu =
                SelfBleu.of(
                        texts,
                        cfg.eval().selfBleuSamples(),
                        RandomGeneratorFactory.of("L64X128MixRandom").create(Seeds.eval(seed, t)));
        if (Double.isFinite(bleu)) {
            m.put("self_bleu4", bleu);
        }
        Map<String, Long> refCounts = Words.counts(reference);
        Map<String, Long> counts = Words.counts(texts);
        Set<String> decile = TailMetrics.bottomDecile(refCounts);
        Set<String> hapax = TailMetrics.hapaxes(refCounts);
        putFinite(m, "rare_recall_decile", TailMetrics.recall(decile, counts));
        putFinite(m, "rare_recall_hapax", TailMetrics.recall(hapax, counts));
        // the unigram of a text with no word of the language is undefined: its KLs are left out
        if (truth != null && truth.vocabulary().stream().anyMatch(counts::containsKey)) {
            List<String> vocab = truth.vocabulary();
            double[] p = truth.unigram();
            long[] c = new long[vocab.size()];
            Map<String, Integer> index = new java.util.HashMap<>();
            for (int i = 0; i < vocab.size(); i++) {
                index.put(vocab.get(i), i);
            }
            counts.forEach(
                    (w, n) -> {
                        Integer i = index.get(w);
                        if (i != null) {
                            c[i] += n;
                        }
                    });
            double[] q = TailMetrics.unigram(c);
            putFinite(m, "kl_model_true", TailMetrics.klBits(q, p));
            putFinite(m, "kl_true_model", TailMetrics.klBits(p, q));
            putFinite(m, "tail_mass_lost", TailMetrics.tailMassLost(p, q));
        }
        return m;
    }

    /**
     * For each word set: the mean over the prompts of the model's next-token probability on the
     * tokens that start its words (with and without a leading space, so both word-level and
     * byte-level BPE vocabularies are covered); NaN for a set without such tokens.
     *
     * <p>One forward per {@code batch} prompts, the LM head on the last position only ({@link
     * LanguageModel#forwardLast}), autograd off: a {@code (batch, V)} softmax at a time instead of
     * the full-vocabulary logits of every position of every prompt. Only the probabilities of the
     * sets' ids reach the host; they are summed in double in prompt order, then id order.
     */
    static double[] rareMass(
            LanguageModel model,
            OptTokenizer tok,
            List<long[]> prompts,
            int batch,
            List<Set<String>> sets) {
        int vocab = model.config().vocabSize();
        List<long[]> ids = new ArrayList<>(); // in HashSet order, below the vocabulary
        boolean[] none = new boolean[sets.size()];
        for (int i = 0; i < none.length; i++) {
            long[] all = firstTokens(tok, sets.get(i));
            none[i] = all.length == 0;
            ids.add(java.util.Arrays.stream(all).filter(id -> id < vocab).toArray());
        }
        double[] sums = new double[sets.size()];
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (int start = 0; start < prompts.size(); start += batch) {
                List<long[]> part = prompts.subList(start, Math.min(prompts.size(), start + batch));
                try (NDManager m = model.manager().newSubManager()) {
                    NDArray p =
                            model.forwardLast(
                                            LanguageModel.unpadded(m, part.toArray(long[][]::new)))
                                    .get(0)
                                    .reshape(part.size(), vocab)
                                    .softmax(-1); // (b, V)
                    for (int i = 0; i < sums.length; i++) {
                        long[] set = ids.get(i);
                        if (set.length == 0) {
                            continue;
                        }
                        NDArray at = m.create(set).reshape(1, set.length).repeat(0, part.size());
                        float[] picked = p.gather(at, 1).toFloatArray(); // (b, n)
                        for (float x : picked) {
                            sums[i] += x;
                        }
                    }
                }
            }
        } finally {
            JniUtils.setGradMode(grad);
        }
        double[] out = new double[sets.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = none[i] || prompts.isEmpty() ? Double.NaN : sums[i] / prompts.size();
        }
        return out;
    }

    /** The first token id of each word, with and without a leading space (HashSet order). */
    private static long[] firstTokens(OptTokenizer tok, Set<String> words) {
        Set<Integer> ids = new java.util.HashSet<>();
        for (String w : words) {
            for (String form : new String[] {w, " " + w}) {
                long[] e = tok.encodeNoSpecial(form);
                if (e.length > 0) {
                    ids.add((int) e[0]);
                }
            }
        }
        return ids.stream().mapToLong(Integer::longValue).toArray();
    }

    /** A map that keeps the given key order (metrics.jsonl stays byte-stable across runs). */
    private static Map<String, Double> ordered(Object... kv) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (Double) kv[i + 1]);
        }
        return m;
    }

    private static void putFinite(Map<String, Double> m, String k, double v) {
        if (Double.isFinite(v)) {
            m.put(k, v);
        }
    }

    /**
     * Per-block perplexity of {@code blocks} under {@code model}: exp(NLL / (B − 1)) of each block.
     */
    static double[] perSamplePpl(LanguageModel model, BlockSource blocks, int batchSize) {
        double[] out = new double[blocks.count()];
        for (int start = 0; start < blocks.count(); start += batchSize) {
            int end = Math.min(blocks.count(), start + batchSize);
            long[][] ids = new long[end - start][];
            for (int i = start; i < end; i++) {
                ids[i - start] = TokenIds.toLong(blocks.block(i));
            }
            double[] nll = Perplexity.rowSums(model, ids, TokenNll.shiftedTargets(ids));
            for (int i = 0; i < nll.length; i++) {
                out[start + i] = Math.exp(nll[i] / (blocks.blockSize() - 1));
            }
        }
        return out;
    }
}
