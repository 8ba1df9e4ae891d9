package dev.ouroboros.harness.run;

import dev.ouroboros.datasets.BlockCache;
import dev.ouroboros.datasets.BlockFile;
import dev.ouroboros.datasets.BlockSource;
import dev.ouroboros.datasets.BpeTrainer;
import dev.ouroboros.datasets.Corpus;
import dev.ouroboros.datasets.GroundTruthLanguage;
import dev.ouroboros.datasets.TextCorpora;
import dev.ouroboros.datasets.TextSplit;
import dev.ouroboros.datasets.Wikitext2;
import dev.ouroboros.datasets.WordLevelTokenizer;
import dev.ouroboros.harness.config.ConfigWords;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The real data of a study, prepared once under {@code RUN/data/}: the corpus, the tokenizer, and
 * the Shumailov-blocked splits cached as token-block files.
 *
 * @param tokenizerDir where the tokenizer lives (every saved model gets a copy)
 * @param train D0: the first N blocks of the train split
 * @param freshReal train blocks after D0 (the unused real pool of {@code fresh-real})
 * @param validation real validation blocks (best-epoch selection)
 * @param test real test blocks (perplexity, and the prompts for diversity metrics)
 * @param testText the raw test text (the reference for diversity and tail metrics)
 * @param truth the ground-truth language, when the corpus is that language (exact KL and tail
 *     mass), else null
 */
public record StudyData(
        Path tokenizerDir,
        OptTokenizer tokenizer,
        BlockSource train,
        BlockSource freshReal,
        BlockSource validation,
        BlockSource test,
        String testText,
        GroundTruthLanguage truth) {

    /** Prepares (or reuses) {@code dataDir} for {@code cfg}. */
    public static StudyData prepare(RunConfig cfg, Path dataDir) {
        RunConfig.Data d = cfg.data();
        GroundTruthLanguage truth = null;
        Corpus corpus;
        Path tokDir;
        switch (d.corpus()) {
            case GROUND_TRUTH -> {
                RunConfig.GroundTruth g = d.groundTruth();
                truth = new GroundTruthLanguage(GroundTruthLanguage.Config.defaults(g.seed()));
                corpus = truth.corpus(g.trainLines(), g.validationLines(), g.testLines());
                tokDir = dataDir.resolve("tokenizer");
                if (cfg.model().tokenizer() == null
                        && cfg.model().base() == null
                        && !Files.exists(tokDir.resolve("tokenizer.json"))) {
                    WordLevelTokenizer.write(tokDir, truth.vocabulary());
                }
            }
            case WIKITEXT2 -> {
                corpus = Wikitext2.load(Path.of(d.path()));
                if (d.wikitextLines() == RunConfig.Data.WikitextLines.HF) {
                    corpus =
                            new Corpus(
                                    corpus.name(),
                                    new TextSplit(Wikitext2.hfRows(corpus.train())),
                                    new TextSplit(Wikitext2.hfRows(corpus.validation())),
                                    new TextSplit(Wikitext2.hfRows(corpus.test())));
                }
                tokDir = null;
            }
            default -> {
                corpus =
                        TextCorpora.load(
                                Path.of(d.path()),
                                d.validationFraction(),
                                d.testFraction(),
                                cfg.seeds().get(0));
                tokDir = null;
            }
        }
        String tokSpec = cfg.model().tokenizer();
        if (tokSpec != null && tokSpec.startsWith("bpe:")) {
            tokDir = dataDir.resolve("tokenizer-" + tokSpec.replace(':', '-'));
            if (!Files.exists(tokDir.resolve("vocab.json"))) {
                int size = RunConfig.bpeSize(tokSpec);
                List<String> lines =
                        corpus.train().lines().stream()
                                .map(l -> l.endsWith("\n") ? l.substring(0, l.length() - 1) : l)
                                .toList();
                BpeTrainer.write(tokDir, BpeTrainer.train(lines, size));
            }
        } else if (tokSpec != null) {
            tokDir = Path.of(tokSpec);
        } else if (cfg.model().base() != null) {
            tokDir = Path.of(cfg.model().base());
        } else if (tokDir == null) {
            throw new UserInputException(
                    "config: model.tokenizer (or model.base) is required for data.corpus '"
                            + ConfigWords.word(d.corpus())
                            + "'");
        }
        OptTokenizer tok = OptTokenizer.load(tokDir);
        Path cache = dataDir.resolve("blocks");
        int b = d.blockSize();
        BlockFile trainAll = BlockCache.shumailov(cache, corpus.train().lines(), tok, b);
        BlockFile val = BlockCache.shumailov(cache, corpus.validation().lines(), tok, b);
        BlockFile test = BlockCache.shumailov(cache, corpus.test().lines(), tok, b);
        int n =
                d.maxTrainBlocks() > 0
                        ? (int) Math.min(d.maxTrainBlocks(), trainAll.count())
                        : trainAll.count();
        return new StudyData(
                tokDir,
                tok,
                trainAll.select(range(0, n)),
                trainAll.select(range(n, trainAll.count())),
                limit(val, d.maxValidationBlocks()),
                limit(test, d.maxTestBlocks()),
                corpus.test().text(),
                truth);
    }

    private static BlockSource limit(BlockSource s, long max) {
        return max > 0 && max < s.count() ? s.select(range(0, (int) max)) : s;
    }

    static int[] range(int from, int to) {
        return java.util.stream.IntStream.range(from, Math.max(from, to)).toArray();
    }
}
