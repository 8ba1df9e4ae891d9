package dev.ouroboros.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockingTest {
    @TempDir Path tmp;

    private OptTokenizer tokenizer() {
        // a=5 b=6 c=7 d=8 e=9, "\n"=4, BOS </s>=2
        WordLevelTokenizer.write(tmp.resolve("tok"), List.of("a", "b", "c", "d", "e"));
        return OptTokenizer.load(tmp.resolve("tok"));
    }

    @Test
    void shumailovVsStreamOnKnownExample() {
        String text = "a b\nc\n\nd e";
        try (OptTokenizer tok = tokenizer()) {
            // per line with BOS: [2 5 6 4] [2 7 4] [2 4] [2 8 9] → 12 ids → 2 blocks of 5, [8 9]
            // dropped
            TokenBlocks sh = ShumailovBlocking.blocks(text, tok, 5);
            assertArrayEquals(new int[] {2, 5, 6, 4, 2, 7, 4, 2, 4, 2}, sh.tokens());
            // one BOS, whole text: [2 5 6 4 7 4 4 8 9] → 1 block of 5
            TokenBlocks st = StreamBlocking.blocks(text, tok, 5);
            assertArrayEquals(new int[] {2, 5, 6, 4, 7}, st.tokens());
            // B = 3: Shumailov 4 blocks, stream 3 blocks, nothing dropped
            assertEquals(4, ShumailovBlocking.blocks(text, tok, 3).count());
            assertArrayEquals(
                    new int[] {2, 5, 6, 4, 7, 4, 4, 8, 9},
                    StreamBlocking.blocks(text, tok, 3).tokens());
        }
    }

    @Test
    void cacheBuildsOnceAndKeysOnTokenizer() throws Exception {
        List<String> lines = ShumailovBlocking.lines("a b\nc\n\nd e\n".repeat(50));
        try (OptTokenizer tok = tokenizer()) {
            Path cache = tmp.resolve("cache");
            BlockFile first = BlockCache.shumailov(cache, lines, tok, 8);
            assertArrayEquals(
                    ShumailovBlocking.blocks(lines, tok, 8).tokens(),
                    first.toTokenBlocks().tokens());
            long stamp = Files.getLastModifiedTime(first.path()).toMillis();
            Thread.sleep(20);
            BlockFile second = BlockCache.shumailov(cache, lines, tok, 8);
            assertEquals(first.path(), second.path());
            assertEquals(stamp, Files.getLastModifiedTime(second.path()).toMillis());
            assertEquals(tok.sha256(), second.header().tokenizerSha256());
            BlockFile otherB = BlockCache.shumailov(cache, lines, tok, 16);
            assertTrue(!otherB.path().equals(first.path()));
            try (var files = Files.list(cache)) {
                assertEquals(2, files.count());
            }
        }
    }

    @Test
    void shumailovIsFastOnWikitextSizedInput() {
        GroundTruthLanguage lang = new GroundTruthLanguage(GroundTruthLanguage.Config.defaults(3));
        try (OptTokenizer tok = tokenizer()) {
            WordLevelTokenizer.write(tmp.resolve("gt"), lang.vocabulary());
            try (OptTokenizer gt = OptTokenizer.load(tmp.resolve("gt"))) {
                List<String> lines = lang.sample(36_000, 1);
                long t0 = System.nanoTime();
                TokenBlocks blocks = ShumailovBlocking.blocks(lines, gt, 64);
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf(
                        "shumailov blocking: %d lines, %d blocks in %.2f s%n",
                        lines.size(), blocks.count(), s);
                assertTrue(s < 20, "took " + s + " s");
                assertSame(blocks, blocks.toTokenBlocks());
            }
        }
    }
}
