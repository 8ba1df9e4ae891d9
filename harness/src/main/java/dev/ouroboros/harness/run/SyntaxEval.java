package dev.ouroboros.harness.run;

import dev.ouroboros.eval.diversity.CompressionRatio;
import dev.ouroboros.eval.syntax.ParsedSentence;
import dev.ouroboros.eval.syntax.SyntacticDiversity;
import dev.ouroboros.eval.syntax.SyntaxParser;
import dev.ouroboros.eval.syntax.corenlp.CoreNlpParser;
import dev.ouroboros.harness.config.RunConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGeneratorFactory;

/**
 * The compression and syntactic metrics of one split's texts (docs/metrics.md#syntax): {@code cr}
 * always; {@code cr_pos} and {@code syntactic_wl2} when {@code eval.syntactic} is on, from the
 * CoreNLP parses of every text. The parser loads once per JVM, on first use.
 */
final class SyntaxEval {
    /** Mixed into the eval seed for the sentence sample (self-BLEU draws from the eval seed). */
    private static final long SAMPLE_STREAM = 24;

    private static SyntaxParser parser;
    private static Path parserDir;

    private SyntaxEval() {}

    /** The metrics of {@code texts}, in a fixed key order; undefined values left out. */
    static Map<String, Double> metrics(RunConfig cfg, List<String> texts, long seed, int t) {
        return metrics(
                texts,
                cfg.eval().syntactic() ? parser(SyntaxModels.dir()) : null,
                cfg.eval().syntacticSentences(),
                Seeds.mix(Seeds.eval(seed, t), SAMPLE_STREAM));
    }

    /**
     * {@code cr} of {@code texts}; with a parser also {@code cr_pos} and {@code syntactic_wl2} over
     * at most {@code maxSentences} sentences drawn with a generator seeded {@code sampleSeed}.
     */
    static Map<String, Double> metrics(
            List<String> texts, SyntaxParser parser, int maxSentences, long sampleSeed) {
        Map<String, Double> m = new LinkedHashMap<>();
        putFinite(m, "cr", CompressionRatio.of(texts));
        if (parser == null) {
            return m;
        }
        List<List<ParsedSentence>> parsed = new ArrayList<>();
        List<ParsedSentence> sentences = new ArrayList<>();
        for (String text : texts) {
            List<ParsedSentence> s = parser.parse(text);
            parsed.add(s);
            sentences.addAll(s);
        }
        putFinite(m, "cr_pos", SyntacticDiversity.crPos(parsed));
        putFinite(
                m,
                "syntactic_wl2",
                SyntacticDiversity.wl(
                        sentences,
                        maxSentences,
                        RandomGeneratorFactory.of("L64X128MixRandom").create(sampleSeed)));
        return m;
    }

    /** The CoreNLP parser over the models in {@code dir}, loaded once. */
    static synchronized SyntaxParser parser(Path dir) {
        if (parser == null || !dir.equals(parserDir)) {
            if (!dev.ouroboros.eval.syntax.corenlp.CoreNlpModels.present(dir)) {
                throw new dev.ouroboros.models.UserInputException(
                        "eval.syntactic: "
                                + dev.ouroboros.eval.syntax.corenlp.CoreNlpModels.status(dir));
            }
            parser = new CoreNlpParser(dir);
            parserDir = dir;
        }
        return parser;
    }

    private static void putFinite(Map<String, Double> m, String k, double v) {
        if (Double.isFinite(v)) {
            m.put(k, v);
        }
    }
}
