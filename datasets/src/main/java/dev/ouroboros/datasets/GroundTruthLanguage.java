package dev.ouroboros.datasets;

import static dev.ouroboros.datasets.Draws.cumulative;
import static dev.ouroboros.datasets.Draws.draw;
import static dev.ouroboros.datasets.Draws.normalize;
import static dev.ouroboros.datasets.Draws.permutation;
import static dev.ouroboros.datasets.Draws.zipf;
import static dev.ouroboros.datasets.GroundTruthWords.CLOSED;
import static dev.ouroboros.datasets.GroundTruthWords.TEMPLATES;
import static dev.ouroboros.datasets.GroundTruthWords.classOfLetter;
import static dev.ouroboros.datasets.GroundTruthWords.pronounceableWords;
import static dev.ouroboros.datasets.GroundTruthWords.signature;

import dev.ouroboros.models.io.AtomicFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A seeded synthetic language that looks like English and whose distribution is known exactly: the
 * default corpus for the smoke study and CI, and a place where "what did collapse lose?" has a
 * ground-truth answer.
 *
 * <h2>The generative process</h2>
 *
 * A line is a paragraph of {@code n ∈ {1, 2, 3}} sentences (uniform) about one topic {@code t},
 * drawn from a Zipf prior over {@link Config#topics()} topics. Each sentence picks a template
 * {@code k} with topic-dependent weights {@code π_t(k)}; a template is a sequence of slots
 * (determiner, adjective, noun, verb, adverb, preposition, conjunction, pronoun, "," and ".").
 * Open-class slots (noun, verb, adjective, adverb) draw a word from the mixture {@code λ·topic_t +
 * (1−λ)·global} of two Zipf laws: the global one over all words of the class (shorter words are
 * more frequent), the topic one over a small topic lexicon drawn at random from the whole class (so
 * tail words become frequent inside some topic). Closed classes have fixed Zipf laws. Tokens are
 * lower-case and separated by single spaces, punctuation included ("the kavo mip , and it tesh ."),
 * each line ends in {@code "\n"}.
 *
 * <h2>Exact distribution</h2>
 *
 * {@link #unigram()} is computed analytically, not estimated: with {@code E_t[c_w]} the expected
 * count of word {@code w} in a sentence of topic {@code t} (a finite sum over templates and slots)
 * and {@code E_t[L]} the expected sentence length, the long-run relative frequency of {@code w} in
 * the corpus is {@code Σ_t P(t) E_t[c_w] / Σ_t P(t) E_t[L]} (renewal-reward theorem: sentences are
 * i.i.d. given their topic, and the number of sentences per line is independent of the topic). The
 * newline is not counted. Every word belongs to exactly one class and templates have distinct slot
 * sequences, so {@link #logProbability(String)} gives the exact probability of a line.
 */
public final class GroundTruthLanguage {

    /**
     * Parameters of the language; the seed fixes the vocabulary, topics and templates.
     *
     * @param seed the language's seed
     * @param nouns number of nouns (likewise verbs, adjectives, adverbs)
     * @param topics number of topics
     * @param zipf exponent of the global word laws
     * @param topicZipf exponent of the topic prior
     * @param topicLexicon words per open class in each topic's lexicon
     * @param topicWeight λ, the topic lexicon's share in an open-class slot
     */
    public record Config(
            long seed,
            int nouns,
            int verbs,
            int adjectives,
            int adverbs,
            int topics,
            double zipf,
            double topicZipf,
            int topicLexicon,
            double topicWeight) {
        public Config {
            if (nouns < 10 || verbs < 10 || adjectives < 10 || adverbs < 10 || topics < 4) {
                throw new IllegalArgumentException("language too small: " + this);
            }
            if (topicLexicon < 1
                    || topicLexicon
                            > Math.min(Math.min(nouns, verbs), Math.min(adjectives, adverbs))) {
                throw new IllegalArgumentException("topicLexicon out of range: " + topicLexicon);
            }
            if (!(topicWeight >= 0 && topicWeight <= 1)) {
                throw new IllegalArgumentException("topicWeight must be in [0, 1]: " + topicWeight);
            }
        }

        /** About 3,200 words and 24 topics. */
        public static Config defaults(long seed) {
            return new Config(seed, 1600, 800, 600, 200, 24, 1.3, 1.0, 40, 0.4);
        }
    }

    /** Word classes; the closed ones have fixed word lists. */
    enum WordClass {
        NOUN,
        VERB,
        ADJ,
        ADV,
        DET,
        PREP,
        CONJ,
        PRON,
        COMMA,
        PERIOD
    }

    private static final int MAX_SENTENCES = 3;

    private final Config config;
    private final List<String> words = new ArrayList<>();
    private final Map<String, Integer> index = new HashMap<>();
    private final WordClass[] classOf;
    private final Map<WordClass, int[]> members = new LinkedHashMap<>();
    private final WordClass[][] templates;
    private final Map<String, Integer> templateBySignature = new HashMap<>();
    private final double[] topicPrior;
    private final double[][] templateWeights; // [topic][template]

    /** [topic][class ordinal] → probability over members(class), same order. */
    private final double[][][] slotLaw;

    /** Cumulative versions of slotLaw and templateWeights, for sampling. */
    private final double[][][] slotCdf;

    private final double[][] templateCdf;
    private final double[] topicCdf;
    private final int[][] topicLexicons; // [topic] → word ids in any topic lexicon of that topic
    private final double[] unigram;

    /**
     * Builds the language of {@code config} (deterministic: the same config gives the same
     * language).
     */
    public GroundTruthLanguage(Config config) {
        this.config = config;
        SplittableRandom random = new SplittableRandom(config.seed());
        Set<String> taken = new HashSet<>();
        CLOSED.values().forEach(taken::addAll);
        taken.add("\n");
        List<WordClass> classes = new ArrayList<>();
        int[] sizes = {config.nouns(), config.verbs(), config.adjectives(), config.adverbs()};
        WordClass[] open = {WordClass.NOUN, WordClass.VERB, WordClass.ADJ, WordClass.ADV};
        for (int c = 0; c < open.length; c++) {
            List<String> made = pronounceableWords(sizes[c], random, taken, open[c]);
            int[] ids = new int[made.size()];
            for (int i = 0; i < made.size(); i++) {
                ids[i] = add(made.get(i), classes, open[c]);
            }
            members.put(open[c], ids);
        }
        for (Map.Entry<WordClass, List<String>> e : CLOSED.entrySet()) {
            int[] ids = e.getValue().stream().mapToInt(w -> add(w, classes, e.getKey())).toArray();
            members.put(e.getKey(), ids);
        }
        classOf = classes.toArray(new WordClass[0]);

        templates = new WordClass[TEMPLATES.length][];
        for (int k = 0; k < TEMPLATES.length; k++) {
            String[] slots = TEMPLATES[k].split(" ");
            templates[k] = new WordClass[slots.length];
            for (int s = 0; s < slots.length; s++) {
                templates[k][s] = classOfLetter(slots[s]);
            }
            if (templateBySignature.put(signature(templates[k]), k) != null) {
                throw new IllegalStateException("duplicate template " + TEMPLATES[k]);
            }
        }

        int topics = config.topics();
        topicPrior = normalize(zipf(topics, config.topicZipf()));
        templateWeights = new double[topics][];
        slotLaw = new double[topics][WordClass.values().length][];
        topicLexicons = new int[topics][];
        for (int t = 0; t < topics; t++) {
            double[] w = new double[TEMPLATES.length];
            for (int k = 0; k < w.length; k++) {
                double u = random.nextDouble();
                w[k] = 0.05 + u * u * u; // every template possible in every topic, some favoured
            }
            templateWeights[t] = normalize(w);
            List<Integer> lexicon = new ArrayList<>();
            for (WordClass c : WordClass.values()) {
                int n = members.get(c).length;
                double[] global = normalize(zipf(n, c.ordinal() < 4 ? config.zipf() : 1.0));
                if (c.ordinal() >= 4) {
                    slotLaw[t][c.ordinal()] = global; // closed classes ignore topics
                    continue;
                }
                int[] perm = permutation(n, random);
                double[] topicZipf = normalize(zipf(config.topicLexicon(), 1.0));
                double lambda = config.topicWeight();
                double[] law = new double[n];
                for (int i = 0; i < n; i++) {
                    law[i] = (1 - lambda) * global[i];
                }
                for (int r = 0; r < config.topicLexicon(); r++) {
                    law[perm[r]] += lambda * topicZipf[r];
                    lexicon.add(members.get(c)[perm[r]]);
                }
                slotLaw[t][c.ordinal()] = law;
            }
            topicLexicons[t] = lexicon.stream().mapToInt(Integer::intValue).toArray();
        }

        slotCdf = new double[topics][WordClass.values().length][];
        templateCdf = new double[topics][];
        for (int t = 0; t < topics; t++) {
            templateCdf[t] = cumulative(templateWeights[t]);
            for (WordClass c : WordClass.values()) {
                slotCdf[t][c.ordinal()] = cumulative(slotLaw[t][c.ordinal()]);
            }
        }
        topicCdf = cumulative(topicPrior);
        unigram = exactUnigram();
    }

    public Config config() {
        return config;
    }

    /** The word types (ids are positions in this list); does not include the newline. */
    public List<String> vocabulary() {
        return Collections.unmodifiableList(words);
    }

    /**
     * The exact long-run relative frequency of every word type (indexed like {@link
     * #vocabulary()}), summing to 1; computed analytically (see the class comment), not estimated.
     */
    public double[] unigram() {
        return unigram.clone();
    }

    /** {@link #unigram()} as word → probability. */
    public Map<String, Double> unigramMap() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < words.size(); i++) {
            m.put(words.get(i), unigram[i]);
        }
        return m;
    }

    /** The topic prior, most probable topic first. */
    public double[] topicPrior() {
        return topicPrior.clone();
    }

    /**
     * The tail of the type distribution: the ⌈10%⌉ word types with the smallest true probability
     * (ties broken by word id).
     */
    public Set<String> bottomDecileTypes() {
        Integer[] order = new Integer[words.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(
                order, Comparator.<Integer>comparingDouble(i -> unigram[i]).thenComparing(i -> i));
        Set<String> out = new java.util.LinkedHashSet<>();
        int n = (int) Math.ceil(0.1 * words.size());
        for (int i = 0; i < n; i++) {
            out.add(words.get(order[i]));
        }
        return out;
    }

    /**
     * The rare topics: the least probable quarter of topics (ids are positions in {@link
     * #topicPrior()}).
     */
    public Set<Integer> rareTopics() {
        Set<Integer> out = new java.util.TreeSet<>();
        int topics = config.topics();
        for (int t = topics - Math.max(1, topics / 4); t < topics; t++) {
            out.add(t);
        }
        return out;
    }

    /**
     * The words of topic {@code t}'s lexicons (nouns, verbs, adjectives, adverbs favoured by the
     * topic).
     */
    public Set<String> topicWords(int t) {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (int id : topicLexicons[t]) {
            out.add(words.get(id));
        }
        return out;
    }

    /** Samples one line (paragraph) with its newline. */
    public String sampleLine(SplittableRandom random) {
        int topic = draw(topicCdf, random);
        int sentences = 1 + random.nextInt(MAX_SENTENCES);
        StringBuilder sb = new StringBuilder();
        for (int s = 0; s < sentences; s++) {
            WordClass[] template = templates[draw(templateCdf[topic], random)];
            for (WordClass c : template) {
                if (sb.length() > 0) {
                    sb.append(' ');
                }
                int[] ids = members.get(c);
                sb.append(words.get(ids[draw(slotCdf[topic][c.ordinal()], random)]));
            }
        }
        return sb.append('\n').toString();
    }

    /** {@code count} lines drawn with a generator seeded by {@code seed}. */
    public List<String> sample(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            lines.add(sampleLine(random));
        }
        return lines;
    }

    /**
     * A corpus of the given sizes (in lines); the splits use independent streams derived from the
     * language seed, so the same language and sizes give the same corpus.
     */
    public Corpus corpus(int trainLines, int validationLines, int testLines) {
        long base = config.seed() * 0x9E3779B97F4A7C15L;
        return new Corpus(
                "ground-truth-" + config.seed(),
                new TextSplit(sample(trainLines, base + 1)),
                new TextSplit(sample(validationLines, base + 2)),
                new TextSplit(sample(testLines, base + 3)));
    }

    /**
     * Writes {@code train.txt}, {@code validation.txt}, {@code test.txt} (readable by {@link
     * TextCorpora#load}) and {@code truth.json} (the vocabulary with exact probabilities and
     * classes, topic prior, tails) to {@code dir}, each atomically.
     */
    public Corpus writeCorpus(Path dir, int trainLines, int validationLines, int testLines) {
        Corpus corpus = corpus(trainLines, validationLines, testLines);
        for (Split split : Split.values()) {
            AtomicFile.write(
                    dir.resolve(split.label() + ".txt"),
                    corpus.get(split).text().getBytes(StandardCharsets.UTF_8));
        }
        Map<String, Object> truth = new LinkedHashMap<>();
        truth.put("config", config);
        truth.put(
                "unigram_method",
                "exact (analytic expected counts per sentence, renewal-reward ratio)");
        List<Map<String, Object>> vocab = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("word", words.get(i));
            row.put("class", classOf[i].name());
            row.put("p", unigram[i]);
            vocab.add(row);
        }
        truth.put("vocabulary", vocab);
        truth.put("topic_prior", topicPrior);
        truth.put("rare_topics", rareTopics());
        truth.put("bottom_decile_types", bottomDecileTypes());
        try {
            AtomicFile.write(
                    dir.resolve("truth.json"),
                    new com.fasterxml.jackson.databind.ObjectMapper()
                            .writerWithDefaultPrettyPrinter()
                            .writeValueAsBytes(truth));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return corpus;
    }

    /**
     * Exact natural-log probability of one line (with or without its trailing newline) under the
     * language, summing over topics; {@code -Infinity} if the line cannot be generated.
     */
    public double logProbability(String line) {
        String body = line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
        if (body.isEmpty()) {
            return Double.NEGATIVE_INFINITY;
        }
        String[] tokens = body.split(" ", -1);
        List<int[]> sentences = new ArrayList<>();
        List<Integer> sentenceTemplates = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i].equals(".")) {
                int[] ids = new int[i + 1 - start];
                WordClass[] sig = new WordClass[ids.length];
                for (int j = start; j <= i; j++) {
                    Integer id = index.get(tokens[j]);
                    if (id == null) {
                        return Double.NEGATIVE_INFINITY;
                    }
                    ids[j - start] = id;
                    sig[j - start] = classOf[id];
                }
                Integer k = templateBySignature.get(signature(sig));
                if (k == null) {
                    return Double.NEGATIVE_INFINITY;
                }
                sentences.add(ids);
                sentenceTemplates.add(k);
                start = i + 1;
            }
        }
        if (start != tokens.length || sentences.isEmpty() || sentences.size() > MAX_SENTENCES) {
            return Double.NEGATIVE_INFINITY;
        }
        double[] perTopic = new double[config.topics()];
        double max = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < perTopic.length; t++) {
            double lp = Math.log(topicPrior[t]);
            for (int s = 0; s < sentences.size(); s++) {
                lp += Math.log(templateWeights[t][sentenceTemplates.get(s)]);
                for (int id : sentences.get(s)) {
                    lp += Math.log(slotLaw[t][classOf[id].ordinal()][rankInClass(id)]);
                }
            }
            perTopic[t] = lp;
            max = Math.max(max, lp);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (double lp : perTopic) {
            sum += Math.exp(lp - max);
        }
        return max + Math.log(sum) - Math.log(MAX_SENTENCES);
    }

    // ---------------------------------------------------------------------------------------------

    private double[] exactUnigram() {
        double[] expected = new double[words.size()];
        double expectedLength = 0;
        for (int t = 0; t < config.topics(); t++) {
            for (int k = 0; k < templates.length; k++) {
                double w = topicPrior[t] * templateWeights[t][k];
                expectedLength += w * templates[k].length;
                for (WordClass c : templates[k]) {
                    int[] ids = members.get(c);
                    double[] law = slotLaw[t][c.ordinal()];
                    for (int i = 0; i < ids.length; i++) {
                        expected[ids[i]] += w * law[i];
                    }
                }
            }
        }
        for (int i = 0; i < expected.length; i++) {
            expected[i] /= expectedLength;
        }
        return expected;
    }

    private final Map<Integer, Integer> rankCache = new HashMap<>();

    private int rankInClass(int id) {
        return rankCache.computeIfAbsent(
                id,
                k -> {
                    int[] ids = members.get(classOf[k]);
                    for (int i = 0; i < ids.length; i++) {
                        if (ids[i] == k) {
                            return i;
                        }
                    }
                    throw new IllegalStateException();
                });
    }

    private int add(String word, List<WordClass> classes, WordClass c) {
        int id = words.size();
        words.add(word);
        classes.add(c);
        index.put(word, id);
        return id;
    }
}
