package dev.ouroboros.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared cache of prepared data: entries keyed by content, hit by a second run directory,
 * missed on any change of input, verified on read, produced once by two threads or two processes.
 */
class ContentCacheTest {
    @TempDir Path tmp;

    private final List<String> log = Collections.synchronizedList(new ArrayList<>());

    private OptTokenizer tokenizer(String name, List<String> words) {
        WordLevelTokenizer.write(tmp.resolve(name), words);
        return OptTokenizer.load(tmp.resolve(name));
    }

    private static List<String> lines() {
        return ShumailovBlocking.lines("a b\nc\n\nd e a\n".repeat(200));
    }

    private long count(String what) {
        return log.stream().filter(l -> l.contains(what)).count();
    }

    @Test
    void theRootComesFromTheEnvironment() {
        Path home = Path.of("/home/u");
        assertEquals(
                Path.of("/home/u/.cache/ouroboros"),
                ContentCache.fromEnvironment(Map.of(), home).root());
        assertEquals(
                Path.of("/x/ouroboros"),
                ContentCache.fromEnvironment(Map.of("XDG_CACHE_HOME", "/x"), home).root());
        assertEquals(
                Path.of("/c").toAbsolutePath(),
                ContentCache.fromEnvironment(
                                Map.of("OURO_CACHE", "/c", "XDG_CACHE_HOME", "/x"), home)
                        .root());
        for (String off : List.of("off", "none", "OFF")) {
            ContentCache c = ContentCache.fromEnvironment(Map.of("OURO_CACHE", off), home);
            assertNull(c.root(), off);
            assertFalse(c.enabled(), off);
        }
    }

    @Test
    void aSecondRunDirectoryHitsAndAnyChangedInputMisses() throws Exception {
        ContentCache cache = ContentCache.at(tmp.resolve("cache"));
        try (OptTokenizer tok = tokenizer("tok", List.of("a", "b", "c", "d", "e"));
                OptTokenizer other = tokenizer("tok2", List.of("a", "b", "c", "d", "e", "f"))) {
            BlockFile a =
                    BlockCache.shumailov(
                            tmp.resolve("run1"), lines(), tok, 8, cache, "t", log::add);
            assertEquals(1, count("blocks tokenized into cache"), log.toString());
            BlockFile b =
                    BlockCache.shumailov(
                            tmp.resolve("run2"), lines(), tok, 8, cache, "t", log::add);
            assertEquals(1, count("blocks tokenized"), "the second run tokenizes nothing: " + log);
            assertEquals(1, count("t blocks from cache (" + tmp.resolve("cache")), log.toString());
            assertNotEquals(a.path(), b.path());
            assertEquals(a.path().getFileName(), b.path().getFileName());
            assertArrayEquals(Files.readAllBytes(a.path()), Files.readAllBytes(b.path()));
            assertArrayEquals(
                    ShumailovBlocking.blocks(lines(), tok, 8).tokens(), b.toTokenBlocks().tokens());
            // the run directory's copy is its own: deleting the cache leaves it readable
            deleteTree(tmp.resolve("cache"));
            assertEquals(a.count(), BlockFile.open(b.path(), tok.sha256(), 8).count());

            List<String> changed = new ArrayList<>(lines());
            changed.set(3, changed.get(3).replace('c', 'd')); // one byte
            log.clear();
            BlockCache.shumailov(tmp.resolve("run3"), changed, tok, 8, cache, "t", log::add);
            BlockCache.shumailov(tmp.resolve("run3"), lines(), tok, 16, cache, "t", log::add);
            BlockCache.shumailov(tmp.resolve("run3"), lines(), other, 8, cache, "t", log::add);
            assertEquals(3, count("blocks tokenized into cache"), log.toString());
            try (Stream<Path> s = Files.list(tmp.resolve("cache/blocks"))) {
                assertEquals(3, s.filter(p -> p.toString().endsWith(".blocks")).count());
            }
        }
    }

    @Test
    void aCorruptEntryIsMadeAgainWithOneLine() throws Exception {
        ContentCache cache = ContentCache.at(tmp.resolve("cache"));
        try (OptTokenizer tok = tokenizer("tok", List.of("a", "b", "c", "d", "e"))) {
            BlockFile a =
                    BlockCache.shumailov(
                            tmp.resolve("run1"), lines(), tok, 8, cache, "t", log::add);
            Path entry;
            try (Stream<Path> s = Files.list(tmp.resolve("cache/blocks"))) {
                entry = s.filter(p -> p.toString().endsWith(".blocks")).findFirst().orElseThrow();
            }
            byte[] good = Files.readAllBytes(entry);
            byte[] bad = good.clone();
            bad[bad.length - 1] ^= 1; // one id changed: the checksum no longer holds
            Files.delete(entry); // a new inode: the run directory's hard link keeps the old bytes
            Files.write(entry, bad);
            log.clear();
            BlockFile b =
                    BlockCache.shumailov(
                            tmp.resolve("run2"), lines(), tok, 8, cache, "t", log::add);
            assertEquals(2, log.size(), log.toString());
            assertTrue(log.get(0).startsWith("data: cache entry " + entry + " failed its check ("));
            assertTrue(log.get(1).contains("t blocks tokenized into cache"), log.get(1));
            assertArrayEquals(good, Files.readAllBytes(entry));
            assertArrayEquals(Files.readAllBytes(a.path()), Files.readAllBytes(b.path()));
        }
    }

    @Test
    void anUnusableRootWarnsOnceAndTheRunDirectoryIsPreparedAnyway() throws Exception {
        Path notADir = tmp.resolve("cache");
        Files.writeString(notADir, "a file where the cache should be");
        ContentCache cache = ContentCache.at(notADir);
        assertEquals(notADir + " is not a directory", cache.problem());
        assertEquals(
                notADir + " is not a directory", ContentCache.at(notADir.resolve("x/y")).problem());
        assertNull(ContentCache.at(tmp.resolve("not/yet")).problem());
        try (OptTokenizer tok = tokenizer("tok", List.of("a", "b", "c", "d", "e"))) {
            BlockFile v =
                    BlockCache.shumailov(tmp.resolve("run"), lines(), tok, 8, cache, "v", log::add);
            BlockCache.shumailov(tmp.resolve("run"), lines(), tok, 16, cache, "w", log::add);
            assertEquals(3, log.size(), log.toString());
            assertTrue(
                    log.get(0).startsWith("data: warning: cache " + notADir + " cannot be used ("),
                    log.get(0));
            assertFalse(log.get(0).contains("\n"));
            assertTrue(log.get(1).startsWith("data: v blocks tokenized ("), log.get(1));
            assertTrue(log.get(2).startsWith("data: w blocks tokenized ("), log.get(2));
            assertFalse(cache.enabled());
            List<String> text = List.of("a b c", "c d e", "a a b");
            BpeCache.trained(tmp.resolve("run/tok"), text, 270, cache, "bpe:270", log::add);
            assertTrue(log.get(3).startsWith("data: tokenizer bpe:270 trained ("), log.get(3));
            assertEquals(
                    List.of(
                            "merges.txt",
                            "special_tokens_map.json",
                            "tokenizer_config.json",
                            "vocab.json"),
                    names(tmp.resolve("run/tok")));
            assertArrayEquals(
                    ShumailovBlocking.blocks(lines(), tok, 8).tokens(), v.toTokenBlocks().tokens());
        }
    }

    @Test
    void aTrainedBpeIsCachedWithAManifestAndVerified() throws Exception {
        ContentCache cache = ContentCache.at(tmp.resolve("cache"));
        List<String> text =
                new GroundTruthLanguage(GroundTruthLanguage.Config.defaults(2)).sample(400, 1);
        BpeCache.trained(tmp.resolve("r1/tok"), text, 300, cache, "bpe:300", log::add);
        BpeCache.trained(tmp.resolve("r2/tok"), text, 300, cache, "bpe:300", log::add);
        assertEquals(1, count("trained into cache"), log.toString());
        assertEquals(1, count("tokenizer bpe:300 from cache ("), log.toString());
        List<String> files = names(tmp.resolve("r2/tok"));
        assertEquals(
                List.of(
                        "merges.txt",
                        "special_tokens_map.json",
                        "tokenizer_config.json",
                        "vocab.json"),
                files);
        for (String f : files) {
            assertArrayEquals(
                    Files.readAllBytes(tmp.resolve("r1/tok").resolve(f)),
                    Files.readAllBytes(tmp.resolve("r2/tok").resolve(f)));
        }
        Path entry;
        try (Stream<Path> s = Files.list(tmp.resolve("cache/bpe"))) {
            entry = s.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        assertTrue(names(entry).contains(BpeCache.MANIFEST));
        // a changed merges.txt fails the manifest: trained again, with one line
        Path merges = entry.resolve("merges.txt");
        String m = Files.readString(merges);
        Files.delete(merges);
        Files.writeString(merges, m + "x y\n");
        log.clear();
        BpeCache.trained(tmp.resolve("r3/tok"), text, 300, cache, "bpe:300", log::add);
        assertEquals(2, log.size(), log.toString());
        assertTrue(log.get(0).contains("merges.txt does not match its sha256"), log.get(0));
        assertTrue(log.get(1).contains("trained into cache"), log.get(1));
        assertEquals(m, Files.readString(tmp.resolve("r3/tok/merges.txt")));
        // another vocab size or other lines: another entry
        BpeCache.trained(tmp.resolve("r4/tok"), text, 290, cache, "bpe:290", log::add);
        BpeCache.trained(
                tmp.resolve("r5/tok"),
                text.subList(1, text.size()),
                300,
                cache,
                "bpe:300",
                log::add);
        assertEquals(3, count("trained into cache"), log.toString());
        // a run directory that has its tokenizer keeps it
        BpeCache.trained(tmp.resolve("r1/tok"), text, 300, cache, "bpe:300", log::add);
        assertTrue(log.get(log.size() - 1).contains("bpe:300 in the run directory"));
    }

    @Test
    void twoThreadsTokenizeOnceAndGetTheSameBytes() throws Exception {
        ContentCache cache = ContentCache.at(tmp.resolve("cache"));
        List<String> many = ShumailovBlocking.lines("a b\nc\n\nd e a\n".repeat(20_000));
        try (OptTokenizer tok = tokenizer("tok", List.of("a", "b", "c", "d", "e"))) {
            CountDownLatch go = new CountDownLatch(1);
            List<Path> got = Collections.synchronizedList(new ArrayList<>());
            List<Throwable> failed = Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            for (String run : List.of("run1", "run2")) {
                Thread t =
                        new Thread(
                                () -> {
                                    try {
                                        go.await();
                                        got.add(
                                                BlockCache.shumailov(
                                                                tmp.resolve(run),
                                                                many,
                                                                tok,
                                                                8,
                                                                cache,
                                                                "t",
                                                                log::add)
                                                        .path());
                                    } catch (Throwable e) {
                                        failed.add(e);
                                    }
                                });
                t.start();
                threads.add(t);
            }
            go.countDown();
            for (Thread t : threads) {
                t.join(60_000);
            }
            assertEquals(List.of(), failed);
            assertEquals(1, count("tokenized into cache"), log.toString());
            assertEquals(1, count("from cache"), log.toString());
            assertArrayEquals(Files.readAllBytes(got.get(0)), Files.readAllBytes(got.get(1)));
        }
    }

    /**
     * Two JVMs ask for one key at once; the producer takes a second: the one that gets the lock
     * produces, the other waits for it and then reads its entry.
     */
    @Test
    void twoProcessesProduceOnce() throws Exception {
        Path root = tmp.resolve("cache");
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String cp =
                    System.getProperty(
                            "surefire.test.class.path", System.getProperty("java.class.path"));
            ps.add(
                    new ProcessBuilder(
                                    java,
                                    "-Xmx128m",
                                    "-cp",
                                    cp,
                                    CacheChild.class.getName(),
                                    root.toString(),
                                    "child" + i)
                            .redirectErrorStream(true)
                            .directory(new File("."))
                            .start());
        }
        List<String> outs = new ArrayList<>();
        for (Process p : ps) {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
            assertEquals(0, p.exitValue(), out);
            outs.add(out.strip());
        }
        List<String> sorted = new ArrayList<>(outs);
        Collections.sort(sorted);
        assertTrue(sorted.get(0).startsWith("hit "), outs.toString());
        assertTrue(sorted.get(1).startsWith("produced "), outs.toString());
        // both read what the producer wrote
        assertEquals(
                sorted.get(0).substring("hit ".length()),
                sorted.get(1).substring("produced ".length()),
                outs.toString());
    }

    /** The child of {@link #twoProcessesProduceOnce}: prints {@code produced|hit CONTENT}. */
    public static final class CacheChild {
        public static void main(String[] args) throws Exception {
            ContentCache cache = ContentCache.at(Path.of(args[0]));
            ContentCache.Entry e =
                    cache.obtain(
                            "test",
                            "entry.txt",
                            p -> {
                                if (!Files.readString(p).startsWith("made by ")) {
                                    throw new IllegalStateException("bad entry");
                                }
                            },
                            p -> {
                                try {
                                    Thread.sleep(1500);
                                } catch (InterruptedException x) {
                                    throw new IllegalStateException(x);
                                }
                                Files.writeString(p, "made by " + args[1]);
                            },
                            System.err::println);
            System.out.println((e.produced() ? "produced " : "hit ") + Files.readString(e.path()));
        }
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void deleteTree(Path p) throws Exception {
        dev.ouroboros.models.io.FileTrees.deleteTree(p);
    }
}
