package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.datasets.ContentCache;
import dev.ouroboros.datasets.GroundTruthLanguage;
import dev.ouroboros.harness.config.RunConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two run directories over one corpus with a shared cache, as the cells of a sweep: the second
 * trains no tokenizer and tokenizes nothing, and gets the same files; a changed block size misses
 * the blocks but still hits the tokenizer.
 */
class SharedDataCacheTest {
    @TempDir Path tmp;
    Path corpus;

    @BeforeEach
    void textDirectory() throws Exception {
        corpus = tmp.resolve("texts");
        Files.createDirectories(corpus);
        GroundTruthLanguage lang = new GroundTruthLanguage(GroundTruthLanguage.Config.defaults(4));
        Files.writeString(corpus.resolve("train.txt"), String.join("", lang.sample(600, 1)));
        Files.writeString(corpus.resolve("validation.txt"), String.join("", lang.sample(100, 2)));
        Files.writeString(corpus.resolve("test.txt"), String.join("", lang.sample(100, 3)));
    }

    private RunConfig cfg(int block) {
        return RunConfig.parse(
                "",
                List.of(
                        "data.corpus=text",
                        "data.path=" + corpus,
                        "data.block_size=" + block,
                        "generate.new_tokens=" + block,
                        "model.tokenizer=bpe:300",
                        "data.max_train_blocks=20",
                        "data.subset=random",
                        "eval.diversity_prompts=3"));
    }

    @Test
    void theSecondRunDirectoryPreparesNothing() throws Exception {
        ContentCache cache = ContentCache.at(tmp.resolve("cache"));
        List<String> log1 = new ArrayList<>();
        StudyData a = StudyData.prepare(cfg(16), tmp.resolve("a/data"), cache, log1::add);
        assertEquals(4, log1.size(), log1.toString());
        assertTrue(
                log1.get(0).startsWith("data: tokenizer bpe:300 trained into cache ("),
                log1.get(0));
        for (String split : List.of("train", "validation", "test")) {
            assertTrue(
                    log1.stream()
                            .anyMatch(
                                    l ->
                                            l.startsWith(
                                                    "data: "
                                                            + split
                                                            + " blocks tokenized into cache (")),
                    log1.toString());
        }
        List<String> log2 = new ArrayList<>();
        StudyData b = StudyData.prepare(cfg(16), tmp.resolve("b/data"), cache, log2::add);
        assertEquals(4, log2.size(), log2.toString());
        assertTrue(
                log2.stream().allMatch(l -> l.contains(" from cache (" + cache.root())),
                log2.toString());
        // the same files in each run directory, and the same subsets of them
        assertEquals(files(tmp.resolve("a/data")), files(tmp.resolve("b/data")));
        for (String f : files(tmp.resolve("a/data"))) {
            assertArrayEquals(
                    Files.readAllBytes(tmp.resolve("a/data").resolve(f)),
                    Files.readAllBytes(tmp.resolve("b/data").resolve(f)),
                    f);
        }
        assertEquals(a.tokenizer().sha256(), b.tokenizer().sha256());
        for (String split : List.of("train", "validation", "test", "prompts")) {
            assertArrayEquals(a.chosen().get(split).indices(), b.chosen().get(split).indices());
        }
        assertEquals(20, b.train().count());
        for (int i = 0; i < a.train().count(); i++) {
            assertArrayEquals(a.train().block(i), b.train().block(i));
        }
        // a resumed run directory uses its own files
        List<String> again = new ArrayList<>();
        StudyData.prepare(cfg(16), tmp.resolve("b/data"), cache, again::add).tokenizer().close();
        assertTrue(
                again.stream().allMatch(l -> l.contains("in the run directory")), again.toString());
        // another block size: the tokenizer hits, every split is tokenized again
        List<String> log3 = new ArrayList<>();
        StudyData c = StudyData.prepare(cfg(32), tmp.resolve("c/data"), cache, log3::add);
        assertTrue(log3.get(0).startsWith("data: tokenizer bpe:300 from cache ("), log3.get(0));
        assertEquals(
                3,
                log3.stream().filter(l -> l.contains("blocks tokenized into cache")).count(),
                log3.toString());
        for (StudyData d : List.of(a, b, c)) {
            d.tokenizer().close();
        }
    }

    /**
     * Two {@code ouro run} processes at once on one corpus, named apart, sharing a cache: the four
     * items are made once between them (the other process waits on the key's lock and links), and
     * the two studies write the same metrics.
     */
    @Test
    void twoConcurrentRunsPrepareOnceAndAgree() throws Exception {
        Path cache = tmp.resolve("cache");
        List<Process> ps = new ArrayList<>();
        for (String name : List.of("one", "two")) {
            ProcessBuilder pb =
                    dev.ouroboros.harness.ChildJvm.ouro(
                            null,
                            List.of(
                                    "run",
                                    StudyTestSupport.SMOKE.toString(),
                                    "out=" + tmp,
                                    "name=" + name,
                                    "data.corpus=text",
                                    "data.path=" + corpus,
                                    "model.tokenizer=bpe:304",
                                    "data.block_size=16",
                                    "generate.new_tokens=16",
                                    "data.max_train_blocks=24",
                                    "data.max_validation_blocks=8",
                                    "data.max_test_blocks=8",
                                    "generations=1",
                                    "policies=[replace]",
                                    "seeds=[0]",
                                    "train.epochs=1",
                                    "eval.diversity_prompts=2",
                                    "eval.self_bleu_samples=2"));
            pb.environment().put(ContentCache.ENV, cache.toString());
            ps.add(pb.start());
        }
        StringBuilder all = new StringBuilder();
        for (Process p : ps) {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
            assertEquals(0, p.exitValue(), out);
            all.append(out);
        }
        String log = all.toString();
        assertEquals(1, count(log, "data: tokenizer bpe:304 trained into cache ("), log);
        assertEquals(1, count(log, "data: tokenizer bpe:304 from cache ("), log);
        assertEquals(3, count(log, " blocks tokenized into cache ("), log);
        assertEquals(3, count(log, " blocks from cache ("), log);
        var rows = StudyTestSupport.rows(tmp.resolve("one"));
        assertEquals(3, rows.size(), "gen 0: test, generated, real: " + rows.keySet());
        assertEquals(rows, StudyTestSupport.rows(tmp.resolve("two")));
        assertEquals(files(tmp.resolve("one/data")), files(tmp.resolve("two/data")));
    }

    private static long count(String log, String what) {
        return log.lines().filter(l -> l.contains(what)).count();
    }

    /** Files below {@code dir}, relative, sorted. */
    private static List<String> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString())
                    .sorted()
                    .toList();
        }
    }
}
