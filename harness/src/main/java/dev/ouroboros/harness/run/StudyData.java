package dev.ouroboros.harness.run;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.datasets.BlockCache;
import dev.ouroboros.datasets.BlockFile;
import dev.ouroboros.datasets.BlockSource;
import dev.ouroboros.datasets.BpeCache;
import dev.ouroboros.datasets.ContentCache;
import dev.ouroboros.datasets.Corpus;
import dev.ouroboros.datasets.GroundTruthLanguage;
import dev.ouroboros.datasets.TextCorpora;
import dev.ouroboros.datasets.TextSplit;
import dev.ouroboros.datasets.Wikitext2;
import dev.ouroboros.datasets.WordLevelTokenizer;
import dev.ouroboros.harness.config.ConfigWords;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The real data of a study, prepared once under {@code RUN/data/}: the corpus, the tokenizer, and
 * the Shumailov-blocked splits cached as token-block files.
 *
 * @param tokenizerDir where the tokenizer lives (every saved model gets a copy)
 * @param train D0: N blocks of the train split ({@code data.subset}: a seeded sample, or the first
 *     N)
 * @param freshReal the train blocks not in D0, in order (the unused real pool of {@code
 *     fresh-real})
 * @param validation real validation blocks (best-epoch selection)
 * @param test real test blocks (perplexity, and the prompts for diversity metrics)
 * @param testText the raw test text (the reference for diversity and tail metrics)
 * @param truth the ground-truth language, when the corpus is that language (exact KL and tail
 *     mass), else null
 * @param prompts the positions in {@code test} of the diversity prompts (each followed by its
 *     reference), in order
 * @param chosen per split (train, validation, test, prompts), the indices taken of the whole split
 *     (for prompts: of {@code test}'s pairs), for the manifest
 */
public record StudyData(
        Path tokenizerDir,
        OptTokenizer tokenizer,
        BlockSource train,
        BlockSource freshReal,
        BlockSource validation,
        BlockSource test,
        String testText,
        GroundTruthLanguage truth,
        int[] prompts,
        Map<String, Chosen> chosen) {

    /**
     * The blocks a split takes: {@code indices} of its {@code of} blocks by {@code subset}.
     *
     * @param subset {@code first} or {@code random}
     */
    public record Chosen(String subset, int of, int[] indices) {
        /** The manifest's entry: subset, blocks, of, sha256 (16 hex digits of the indices). */
        public ObjectNode describe() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("subset", subset).put("blocks", indices.length).put("of", of);
            o.put("sha256", Subsets.hash(indices));
            return o;
        }
    }

    /** Prepares (or reuses) {@code dataDir} for {@code cfg}, without a shared cache. */
    public static StudyData prepare(RunConfig cfg, Path dataDir) {
        return prepare(cfg, dataDir, ContentCache.off(), s -> {});
    }

    /**
     * Prepares (or reuses) {@code dataDir} for {@code cfg}: a trained tokenizer and the block files
     * come from {@code shared} when it has them (and go into it when not), and are linked or copied
     * into {@code dataDir} either way; one line per item to {@code log}.
     */
    public static StudyData prepare(
            RunConfig cfg, Path dataDir, ContentCache shared, Consumer<String> log) {
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
            List<String> lines =
                    corpus.train().lines().stream()
                            .map(l -> l.endsWith("\n") ? l.substring(0, l.length() - 1) : l)
                            .toList();
            BpeCache.trained(tokDir, lines, RunConfig.bpeSize(tokSpec), shared, tokSpec, log);
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
        BlockFile trainAll =
                BlockCache.shumailov(cache, corpus.train().lines(), tok, b, shared, "train", log);
        BlockFile val =
                BlockCache.shumailov(
                        cache, corpus.validation().lines(), tok, b, shared, "validation", log);
        BlockFile test =
                BlockCache.shumailov(cache, corpus.test().lines(), tok, b, shared, "test", log);
        RunConfig.Data.Subset policy = d.subset();
        long dataSeed = cfg.seeds().get(0);
        Map<String, Chosen> chosen = new LinkedHashMap<>();
        int[] trainIdx =
                choose(trainAll.count(), d.maxTrainBlocks(), policy, dataSeed, Subsets.Split.TRAIN);
        int[] valIdx =
                choose(
                        val.count(),
                        d.maxValidationBlocks(),
                        policy,
                        dataSeed,
                        Subsets.Split.VALIDATION);
        int[] testIdx =
                choose(test.count(), d.maxTestBlocks(), policy, dataSeed, Subsets.Split.TEST);
        String word = ConfigWords.word(policy);
        chosen.put("train", new Chosen(word, trainAll.count(), trainIdx));
        chosen.put("validation", new Chosen(word, val.count(), valIdx));
        chosen.put("test", new Chosen(word, test.count(), testIdx));
        int pairs = testIdx.length / 2;
        int k = Math.min(cfg.eval().diversityPrompts(), pairs);
        int[] promptPairs =
                policy == RunConfig.Data.Subset.FIRST
                        ? Subsets.first(pairs, k)
                        : Subsets.random(
                                pairs, k, Seeds.subset(dataSeed, Subsets.Split.PROMPTS.ordinal()));
        chosen.put("prompts", new Chosen(word, pairs, promptPairs));
        int[] prompts = java.util.Arrays.stream(promptPairs).map(j -> 2 * j).toArray();
        return new StudyData(
                tokDir,
                tok,
                trainAll.select(trainIdx),
                trainAll.select(complement(trainIdx, trainAll.count())),
                select(val, valIdx),
                select(test, testIdx),
                corpus.test().text(),
                truth,
                prompts,
                chosen);
    }

    /**
     * The indices of the blocks of a split of {@code count} capped at {@code max} (0: no cap). Test
     * blocks are sampled in (prompt, reference) pairs.
     */
    static int[] choose(
            int count, long max, RunConfig.Data.Subset policy, long dataSeed, Subsets.Split split) {
        int n = max > 0 ? (int) Math.min(max, count) : count;
        if (n == count || policy == RunConfig.Data.Subset.FIRST) {
            return Subsets.first(count, n);
        }
        long seed = Seeds.subset(dataSeed, split.ordinal());
        return split == Subsets.Split.TEST
                ? Subsets.randomPairs(count, n, seed)
                : Subsets.random(count, n, seed);
    }

    private static BlockSource select(BlockSource s, int[] idx) {
        return idx.length == s.count() ? s : s.select(idx);
    }

    /** {@code 0..count-1} without {@code idx} (ascending), in order. */
    static int[] complement(int[] idx, int count) {
        boolean[] in = new boolean[count];
        for (int i : idx) {
            in[i] = true;
        }
        return java.util.stream.IntStream.range(0, count).filter(i -> !in[i]).toArray();
    }

    static int[] range(int from, int to) {
        return java.util.stream.IntStream.range(from, Math.max(from, to)).toArray();
    }
}
