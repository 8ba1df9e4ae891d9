package dev.ouroboros.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroundTruthLanguageTest {
    static final GroundTruthLanguage LANG =
            new GroundTruthLanguage(GroundTruthLanguage.Config.defaults(42));

    @TempDir Path tmp;

    @Test
    void deterministicPerSeed() {
        GroundTruthLanguage again =
                new GroundTruthLanguage(GroundTruthLanguage.Config.defaults(42));
        assertEquals(LANG.vocabulary(), again.vocabulary());
        assertEquals(LANG.corpus(200, 20, 20), again.corpus(200, 20, 20));
        GroundTruthLanguage other =
                new GroundTruthLanguage(GroundTruthLanguage.Config.defaults(43));
        assertNotEquals(LANG.vocabulary(), other.vocabulary());
        assertNotEquals(LANG.corpus(50, 5, 5).train(), other.corpus(50, 5, 5).train());
        // splits are different streams
        Corpus c = LANG.corpus(50, 50, 50);
        assertNotEquals(c.train(), c.validation());
    }

    @Test
    void vocabularyIsEnglishLikeAndUnique() {
        List<String> v = LANG.vocabulary();
        assertTrue(v.size() > 3000, "size " + v.size());
        assertEquals(v.size(), Set.copyOf(v).size());
        for (String w : v) {
            assertTrue(w.matches("[a-z]+|[.,]"), w);
        }
        double sum = 0;
        for (double p : LANG.unigram()) {
            assertTrue(p > 0);
            sum += p;
        }
        assertEquals(1.0, sum, 1e-12);
    }

    @Test
    void exactUnigramMatchesLargeSample() {
        // ~1.2M tokens: each line is sampled from the true process and counted.
        List<String> lines = LANG.sample(60_000, 7);
        Map<String, Integer> counts = new HashMap<>();
        long n = 0;
        for (String line : lines) {
            for (String tok : line.strip().split(" ")) {
                counts.merge(tok, 1, Integer::sum);
                n++;
            }
        }
        double[] p = LANG.unigram();
        List<String> vocab = LANG.vocabulary();
        double l1 = 0;
        double worstZ = 0;
        for (int i = 0; i < p.length; i++) {
            double f = counts.getOrDefault(vocab.get(i), 0) / (double) n;
            l1 += Math.abs(f - p[i]);
            // Tokens in a line share a topic, so the variance exceeds the multinomial one; a design
            // effect of ~10
            // (sentences of ~8 tokens, 2 per line) bounds it. |z| < 6 under that variance for every
            // one of ~3,200 types.
            double sd = Math.sqrt(10 * p[i] * (1 - p[i]) / n);
            worstZ = Math.max(worstZ, Math.abs(f - p[i]) / sd);
        }
        assertTrue(
                counts.keySet().stream().allMatch(w -> vocab.contains(w)),
                "no word outside the vocabulary");
        assertTrue(worstZ < 6, "worst z " + worstZ);
        assertTrue(l1 < 0.03, "L1 " + l1);
    }

    @Test
    void tailsExist() {
        Set<String> tail = LANG.bottomDecileTypes();
        assertEquals((int) Math.ceil(0.1 * LANG.vocabulary().size()), tail.size());
        Map<String, Double> p = LANG.unigramMap();
        double tailMass = tail.stream().mapToDouble(p::get).sum();
        assertTrue(tailMass > 0 && tailMass < 0.01, "tail mass " + tailMass);
        // each tail type is expected less than ~5 times per million tokens, so a 200k-token corpus
        // (a smoke-size
        // training set) shows some but not all of them: a real tail
        assertTrue(tail.stream().mapToDouble(p::get).max().orElseThrow() < 5e-6);
        Map<String, Integer> counts = new HashMap<>();
        for (String line : LANG.sample(10_000, 9)) {
            for (String tok : line.strip().split(" ")) {
                counts.merge(tok, 1, Integer::sum);
            }
        }
        long seen = tail.stream().filter(counts::containsKey).count();
        assertTrue(
                seen > 0 && seen < tail.size(), "tail types seen " + seen + " of " + tail.size());

        Set<Integer> rare = LANG.rareTopics();
        assertEquals(6, rare.size());
        double[] prior = LANG.topicPrior();
        double rareMass = rare.stream().mapToDouble(t -> prior[t]).sum();
        assertTrue(rareMass < 0.1, "rare topic mass " + rareMass);
        assertTrue(LANG.topicWords(23).size() > 100);
    }

    @Test
    void logProbabilityIsExactAndNormalized() {
        // The probabilities of sampled lines are finite; junk is impossible.
        for (String line : LANG.sample(100, 3)) {
            double lp = LANG.logProbability(line);
            assertTrue(Double.isFinite(lp) && lp < 0, line + " → " + lp);
        }
        assertEquals(Double.NEGATIVE_INFINITY, LANG.logProbability("zzzq .\n"));
        assertEquals(Double.NEGATIVE_INFINITY, LANG.logProbability("the the .\n"));
        // Monte-Carlo check of normalization over a small sub-language is impractical; instead
        // check the cross entropy
        // estimate -E[log p] is consistent with itself across two samples (a bug in log p usually
        // breaks this badly).
        double h1 =
                LANG.sample(3000, 11).stream()
                        .mapToDouble(LANG::logProbability)
                        .average()
                        .orElseThrow();
        double h2 =
                LANG.sample(3000, 12).stream()
                        .mapToDouble(LANG::logProbability)
                        .average()
                        .orElseThrow();
        assertEquals(h1, h2, 0.05 * Math.abs(h1));
    }

    @Test
    void writesCorpusFastAndLoadable() throws IOException {
        long t0 = System.nanoTime();
        Corpus written = LANG.writeCorpus(tmp, 40_000, 2_000, 2_000);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long bytes = Files.size(tmp.resolve("train.txt"));
        assertTrue(bytes > 2_000_000, "train bytes " + bytes);
        assertTrue(seconds < 10, "took " + seconds + " s");
        Corpus loaded = TextCorpora.load(tmp, 0.1, 0.1, 0);
        assertEquals(written.train(), loaded.train());
        assertEquals(written.test(), loaded.test());
        assertTrue(Files.readString(tmp.resolve("truth.json")).contains("bottom_decile_types"));
    }
}
