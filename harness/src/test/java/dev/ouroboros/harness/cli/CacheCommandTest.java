package dev.ouroboros.harness.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.datasets.ContentCache;
import dev.ouroboros.harness.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ouro cache}: lists the shared data cache and prunes it by age, sparing entries in use. */
class CacheCommandTest {
    @TempDir Path tmp;

    private Path put(ContentCache cache, String kind, String name, int bytes) {
        return cache.obtain(kind, name, e -> {}, p -> Files.write(p, new byte[bytes]), s -> {})
                .path();
    }

    @Test
    void listsEntriesAndPrunesTheOldOnesButNotOneInUse() throws Exception {
        Path root = tmp.resolve("cache");
        ContentCache cache = ContentCache.at(root);
        Path old = put(cache, "blocks", "aaa", 3 << 20);
        put(cache, "blocks", "bbb", 1 << 20);
        Path dir = root.resolve("bpe").resolve("ccc");
        cache.obtain(
                "bpe",
                "ccc",
                e -> {},
                p -> {
                    Files.createDirectories(p);
                    Files.write(p.resolve("tokenizer.json"), new byte[1 << 20]);
                },
                s -> {});
        Instant longAgo = Instant.now().minus(Duration.ofDays(40));
        Files.setLastModifiedTime(old, FileTime.from(longAgo));
        Files.setLastModifiedTime(dir, FileTime.from(longAgo));

        CliRun ls = CliRun.of("cache", "--root", root.toString());
        assertEquals(0, ls.exitCode(), ls.err());
        assertTrue(ls.out().matches("(?s).*blocks +aaa +3\\.0 MiB +\\d{4}-.*"), ls.out());
        assertTrue(ls.out().matches("(?s).*bpe +ccc +1\\.0 MiB.*"), ls.out());
        assertTrue(ls.out().contains(": 3 entries, 5.0 MiB"), ls.out());
        assertFalse(ls.out().contains(".lock"), ls.out());

        // another thread is reading bpe/ccc (holds its lock, inside the check) while pruning
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread reader =
                new Thread(
                        () ->
                                cache.obtain(
                                        "bpe",
                                        "ccc",
                                        e -> {
                                            inside.countDown();
                                            release.await();
                                        },
                                        p -> {},
                                        s -> {}));
        reader.start();
        assertTrue(inside.await(10, TimeUnit.SECONDS));
        CliRun prune = CliRun.of("cache", "--root", root.toString(), "--prune", "30");
        release.countDown();
        reader.join();
        assertEquals(0, prune.exitCode(), prune.err());
        assertTrue(prune.out().contains("kept bpe/ccc: in use by another run"), prune.out());
        assertTrue(
                prune.out().contains("removed 1 of 3 entries (3.0 MiB), 1 in use kept"),
                prune.out());
        assertFalse(Files.exists(old));
        assertTrue(Files.exists(root.resolve("blocks/bbb")), "younger than 30 days");
        assertTrue(Files.exists(dir));

        CliRun all = CliRun.of("cache", "--root", root.toString(), "--prune", "0");
        assertTrue(all.out().contains("removed 2 of 2 entries (2.0 MiB)"), all.out());
        assertEquals(0, cache.list().size());
        // a removed entry is made again on the next request
        assertTrue(
                cache.obtain("blocks", "aaa", e -> {}, p -> Files.write(p, new byte[1]), s -> {})
                        .produced());
    }

    @Test
    void aNegativeAgeIsOneLineAndExit2() {
        CliRun r = CliRun.of("cache", "--root", tmp.toString(), "--prune", "-1");
        assertEquals(2, r.exitCode());
        assertEquals("ouro: --prune must be 0 or more days, got -1", r.err().strip());
    }
}
