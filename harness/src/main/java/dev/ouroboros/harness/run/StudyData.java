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
import java.util.Arrays;
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
 * @param dataSeed the seed the random subsets were drawn with ({@code data.subset_seed}: the
 *     study's first seed, or the cell's own)
 * @param whole the whole splits the subsets are drawn from ({@link #forSeed})
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
        Map<String, Chosen> chosen,
        long dataSeed,
        Whole whole) {

    /** The whole blocked splits of the corpus, before any subset is taken. */
    public record Whole(BlockFile train, BlockFile validation, BlockFile test) {}

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
        GroundTruthLanguage truth =
                d.corpus() == RunConfig.Data.CorpusKind.GROUND_TRUTH
                        ? new GroundTruthLanguage(
                                GroundTruthLanguage.Config.defaults(d.groundTruth().seed()))
                        : null;
        Corpus corpus = corpus(cfg, truth);
        Path tokDir = tokenizer(cfg, corpus, truth, dataDir, shared, log);
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
        return drawn(
                cfg,
                tokDir,
                tok,
                corpus.test().text(),
                truth,
                new Whole(trainAll, val, test),
                cfg.seeds().get(0));
    }

    /**
     * The data of the cell of {@code seed}: this data itself under {@code data.subset_seed: study}
     * (every seed shares the first seed's subsets), else the subsets drawn with {@code seed} from
     * the same whole splits and tokenizer.
     */
    public StudyData forSeed(RunConfig cfg, long seed) {
        long wanted =
                cfg.data().subsetSeed() == RunConfig.Data.SubsetSeed.SEED
                        ? seed
                        : cfg.seeds().get(0);
        return wanted == dataSeed
                ? this
                : drawn(cfg, tokenizerDir, tokenizer, testText, truth, whole, wanted);
    }

    private static StudyData drawn(
            RunConfig cfg,
            Path tokDir,
            OptTokenizer tok,
            String testText,
            GroundTruthLanguage truth,
            Whole w,
            long dataSeed) {
        Map<String, Chosen> chosen =
                chosen(cfg, w.train().count(), w.validation().count(), w.test().count(), dataSeed);
        int[] trainIdx = chosen.get("train").indices();
        int[] prompts = Arrays.stream(chosen.get("prompts").indices()).map(j -> 2 * j).toArray();
        return new StudyData(
                tokDir,
                tok,
                w.train().select(trainIdx),
                w.train().select(complement(trainIdx, w.train().count())),
                select(w.validation(), chosen.get("validation").indices()),
                select(w.test(), chosen.get("test").indices()),
                testText,
                truth,
                prompts,
                chosen,
                dataSeed,
                w);
    }

    /** The corpus {@code data.corpus} names, split into train, validation and test text. */
    private static Corpus corpus(RunConfig cfg, GroundTruthLanguage truth) {
        RunConfig.Data d = cfg.data();
        switch (d.corpus()) {
            case GROUND_TRUTH -> {
                RunConfig.GroundTruth g = d.groundTruth();
                return truth.corpus(g.trainLines(), g.validationLines(), g.testLines());
            }
            case WIKITEXT2 -> {
                Corpus c = Wikitext2.load(Path.of(d.path()));
                return d.wikitextLines() == RunConfig.Data.WikitextLines.HF
                        ? new Corpus(
                                c.name(),
                                new TextSplit(Wikitext2.hfRows(c.train())),
                                new TextSplit(Wikitext2.hfRows(c.validation())),
                                new TextSplit(Wikitext2.hfRows(c.test())))
                        : c;
            }
            default -> {
                return TextCorpora.load(
                        Path.of(d.path()),
                        d.validationFraction(),
                        d.testFraction(),
                        cfg.seeds().get(0));
            }
        }
    }

    /**
     * The tokenizer's directory: a BPE trained on the train split ({@code bpe:N}, from the shared
     * cache when it has it), {@code model.tokenizer}, the base checkpoint's, or the ground-truth
     * language's word-level one (written into {@code dataDir}).
     */
    private static Path tokenizer(
            RunConfig cfg,
            Corpus corpus,
            GroundTruthLanguage truth,
            Path dataDir,
            ContentCache shared,
            Consumer<String> log) {
        String where = cfg.model().tokenizerOrBase();
        if (where != null && where.startsWith("bpe:")) {
            Path dir = dataDir.resolve("tokenizer-" + where.replace(':', '-'));
            List<String> lines =
                    corpus.train().lines().stream()
                            .map(l -> l.endsWith("\n") ? l.substring(0, l.length() - 1) : l)
                            .toList();
            BpeCache.trained(dir, lines, RunConfig.bpeSize(where), shared, where, log);
            return dir;
        }
        if (where != null) {
            return Path.of(where);
        }
        if (truth == null) { // the plan refuses this before any data is prepared
            throw new UserInputException(
                    "tokenizer: model.tokenizer (or model.base) is required for data.corpus '"
                            + ConfigWords.word(cfg.data().corpus())
                            + "'");
        }
        Path dir = dataDir.resolve("tokenizer");
        if (!Files.exists(dir.resolve("tokenizer.json"))) {
            WordLevelTokenizer.write(dir, truth.vocabulary());
        }
        return dir;
    }

    /**
     * The blocks each split takes ({@code data.subset}, the caps) and the diversity prompts' pairs
     * of test blocks.
     */
    private static Map<String, Chosen> chosen(
            RunConfig cfg, int train, int val, int test, long dataSeed) {
        RunConfig.Data d = cfg.data();
        RunConfig.Data.Subset policy = d.subset();
        String word = ConfigWords.word(policy);
        int[] testIdx = choose(test, d.maxTestBlocks(), policy, dataSeed, Subsets.Split.TEST);
        int pairs = testIdx.length / 2;
        int k = Math.min(cfg.eval().diversityPrompts(), pairs);
        int[] promptPairs =
                policy == RunConfig.Data.Subset.FIRST
                        ? Subsets.first(pairs, k)
                        : Subsets.random(
                                pairs, k, Seeds.subset(dataSeed, Subsets.Split.PROMPTS.ordinal()));
        Map<String, Chosen> chosen = new LinkedHashMap<>();
        chosen.put(
                "train",
                new Chosen(
                        word,
                        train,
                        choose(train, d.maxTrainBlocks(), policy, dataSeed, Subsets.Split.TRAIN)));
        chosen.put(
                "validation",
                new Chosen(
                        word,
                        val,
                        choose(
                                val,
                                d.maxValidationBlocks(),
                                policy,
                                dataSeed,
                                Subsets.Split.VALIDATION)));
        chosen.put("test", new Chosen(word, test, testIdx));
        chosen.put("prompts", new Chosen(word, pairs, promptPairs));
        return chosen;
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
