package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.datasets.WordLevelTokenizer;
import dev.ouroboros.harness.config.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code data.subset} on a corpus ordered by genre (every "rock" document, then every "jazz" one):
 * {@code first} takes the first blocks exactly as before, {@code random} a seeded sample of the
 * whole split that is the same for every policy of a study.
 */
class DataSubsetTest {
    @TempDir Path tmp;
    Path corpus;
    Path tok;

    @BeforeEach
    void orderedCorpus() throws Exception {
        corpus = tmp.resolve("corpus");
        Files.createDirectories(corpus);
        for (String split : List.of("train", "validation", "test")) {
            int n = split.equals("train") ? 120 : 40;
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < n; i++) { // one block per document (5 words + BOS + newline)
                String g = i < n / 2 ? "rock" : "jazz";
                b.append(String.join(" ", g, g, "la", g, "la")).append('\n');
            }
            Files.writeString(corpus.resolve(split + ".txt"), b.toString());
        }
        tok = tmp.resolve("tok");
        WordLevelTokenizer.write(tok, List.of("rock", "jazz", "la"));
    }

    private RunConfig cfg(String subset, String policies, String... more) {
        List<String> o =
                new ArrayList<>(
                        List.of(
                                "data.corpus=text",
                                "data.path=" + corpus,
                                "data.block_size=7",
                                "generate.new_tokens=7",
                                "model.tokenizer=" + tok,
                                "data.max_train_blocks=20",
                                "data.max_validation_blocks=6",
                                "data.max_test_blocks=11",
                                "eval.diversity_prompts=3",
                                "policies=" + policies,
                                "data.subset=" + subset));
        o.addAll(List.of(more));
        return RunConfig.parse("", o);
    }

    private StudyData prepare(RunConfig c, String dir) {
        return StudyData.prepare(c, tmp.resolve(dir));
    }

    private static int[] idx(StudyData d, String split) {
        return d.chosen().get(split).indices();
    }

    private int jazz(StudyData d, String split) {
        var s =
                split.equals("train")
                        ? d.train()
                        : split.equals("test") ? d.test() : d.validation();
        int n = 0;
        for (int i = 0; i < s.count(); i++) {
            n +=
                    d.tokenizer()
                                    .decode(dev.ouroboros.models.TokenIds.toLong(s.block(i)))
                                    .contains("jazz")
                            ? 1
                            : 0;
        }
        return n;
    }

    @Test
    void firstKeepsTheOldBehaviourAndRandomSamplesTheWholeSplit() {
        StudyData first = prepare(cfg("first", "[replace]"), "a");
        StudyData all = prepare(cfg("first", "[replace]", "data.max_train_blocks=0"), "b");
        int count = all.train().count();
        assertTrue(count >= 100, "one block per document: " + count);
        // first: blocks 0..N-1 of the split, the rest is fresh-real, in order (as before)
        assertArrayEquals(IntStream.range(0, 20).toArray(), idx(first, "train"));
        assertEquals(20, first.train().count());
        assertEquals(count - 20, first.freshReal().count());
        for (int i = 0; i < 20; i++) {
            assertArrayEquals(all.train().block(i), first.train().block(i));
        }
        for (int i = 0; i < first.freshReal().count(); i++) {
            assertArrayEquals(all.train().block(20 + i), first.freshReal().block(i));
        }
        assertArrayEquals(IntStream.range(0, 6).toArray(), idx(first, "validation"));
        assertArrayEquals(IntStream.range(0, 11).toArray(), idx(first, "test"));
        assertArrayEquals(new int[] {0, 2, 4}, first.prompts());
        assertEquals("first", first.chosen().get("train").subset());
        assertEquals(0, jazz(first, "train"), "first takes only the first genre");
        assertEquals(0, jazz(first, "validation"));
        assertEquals(0, jazz(first, "test"));

        StudyData random = prepare(cfg("random", "[replace]"), "c");
        for (String split : List.of("train", "validation", "test", "prompts")) {
            int[] r = idx(random, split);
            assertEquals(idx(first, split).length, r.length, split);
            assertTrue(IntStream.range(1, r.length).allMatch(i -> r[i - 1] < r[i]), split);
            if (!split.equals("prompts")) {
                assertFalse(java.util.Arrays.equals(idx(first, split), r), split);
                assertNotEquals(Subsets.hash(idx(first, split)), Subsets.hash(r), split);
            }
        }
        assertTrue(jazz(random, "train") > 0, "random reaches the second genre");
        assertTrue(jazz(random, "test") > 0);
        // D0 and fresh-real partition the split
        assertEquals(count - 20, random.freshReal().count());
        // test blocks come in (prompt, reference) pairs of the split
        int[] t = idx(random, "test");
        for (int i = 0; i + 1 < t.length; i += 2) {
            assertEquals(t[i] + 1, t[i + 1]);
            assertEquals(0, t[i] % 2);
        }
        for (int p : random.prompts()) {
            assertEquals(0, p % 2);
            assertTrue(p + 1 < random.test().count());
        }
        for (int i = 0; i < 20; i++) {
            assertArrayEquals(all.train().block(idx(random, "train")[i]), random.train().block(i));
        }
    }

    @Test
    void randomIsReproducibleAndTheSameForEveryPolicyOfAStudy() {
        StudyData a = prepare(cfg("random", "[replace]"), "a");
        StudyData b = prepare(cfg("random", "[replace]"), "b");
        StudyData c = prepare(cfg("random", "[accumulate, fresh-real:0.5]"), "c");
        for (String split : List.of("train", "validation", "test", "prompts")) {
            assertArrayEquals(idx(a, split), idx(b, split), split);
            assertArrayEquals(idx(a, split), idx(c, split), split);
            assertEquals(a.chosen().get(split).describe(), c.chosen().get(split).describe());
        }
        assertArrayEquals(a.prompts(), c.prompts());
        // the study's data seed (its first seed) picks the sample, not the policy
        StudyData d = prepare(cfg("random", "[replace]", "seeds=[7, 0]"), "d");
        assertFalse(java.util.Arrays.equals(idx(a, "train"), idx(d, "train")));
    }

    @Test
    void promptsAreSampledFromMoreTestPairsThanPrompts() {
        StudyData first = prepare(cfg("first", "[replace]", "data.max_test_blocks=0"), "a");
        StudyData random = prepare(cfg("random", "[replace]", "data.max_test_blocks=0"), "b");
        assertArrayEquals(new int[] {0, 2, 4}, first.prompts());
        assertEquals(3, random.prompts().length);
        assertFalse(java.util.Arrays.equals(first.prompts(), random.prompts()));
        assertEquals(first.test().count(), random.test().count());
    }

    @Test
    void theHashCountsSubsetOnlyWhenRandom() throws Exception {
        RunConfig first = cfg("first", "[replace]", "precision=fp32");
        RunConfig random = cfg("random", "[replace]", "precision=fp32");
        assertNotEquals(first.hash(), random.hash());
        // subset first hashes as configs did before data.subset existed: without the key
        var n =
                (com.fasterxml.jackson.databind.node.ObjectNode)
                        dev.ouroboros.harness.config.YamlConfig.YAML.readTree(first.toYaml());
        n.remove(List.of("name", "out", "device", "log", "checkpoint", "keep", "generations"));
        ((com.fasterxml.jackson.databind.node.ObjectNode) n.get("model")).remove("attention");
        ((com.fasterxml.jackson.databind.node.ObjectNode) n.get("data"))
                .remove(List.of("subset", "subset_seed"));
        // the keys added since, hashed only when not their defaults
        ((com.fasterxml.jackson.databind.node.ObjectNode) n.get("eval"))
                .remove(List.of("semantic_encoder", "syntactic", "syntactic_sentences"));
        ((com.fasterxml.jackson.databind.node.ObjectNode) n.get("generate")).remove("precision");
        dev.ouroboros.harness.config.Training.withoutOrderDefaults(
                (com.fasterxml.jackson.databind.node.ObjectNode) n.get("train"));
        byte[] d =
                java.security.MessageDigest.getInstance("SHA-256")
                        .digest(dev.ouroboros.harness.config.YamlConfig.YAML.writeValueAsBytes(n));
        assertEquals(java.util.HexFormat.of().formatHex(d).substring(0, 16), first.hash());
        assertEquals(RunConfig.Data.Subset.RANDOM, RunConfig.parse("", List.of()).data().subset());
    }

    @Test
    void subsetsSampleWithoutReplacementInOrder() {
        int[] r = Subsets.random(1000, 100, 42);
        assertEquals(100, java.util.Arrays.stream(r).distinct().count());
        assertArrayEquals(r, Subsets.random(1000, 100, 42));
        assertArrayEquals(IntStream.range(0, 10).toArray(), Subsets.random(10, 10, 42));
        assertArrayEquals(IntStream.range(0, 10).toArray(), Subsets.random(10, 50, 42));
        int[] p = Subsets.randomPairs(21, 7, 3);
        assertEquals(7, p.length);
        assertEquals(p[0] + 1, p[1]);
        assertEquals(16, Subsets.hash(r).length());
    }
}
