package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.CliRun;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overwriting 200 ids inside a finished generation's synthetic set once resumed with exit 0 and a
 * moved test perplexity. Now `ouro verify` lists the file, and a resume refuses it in one line.
 */
class VerifyRunDirTest {
    @TempDir Path tmp;

    @Test
    void overwrittenSyntheticIdsAreListedByVerifyAndRefusedByResume() throws Exception {
        StringBuilder log = new StringBuilder();
        List<String> cfg = StudyTestSupport.tiny(tmp);
        assertEquals(0, StudyTestSupport.runChild(cfg, null, log), log.toString());
        Path run = tmp.resolve("study");
        CliRun clean = CliRun.of("verify", run.toString());
        assertEquals(0, clean.exitCode(), clean.out() + clean.err());
        assertTrue(clean.out().contains("are sound"), clean.out());

        Path s = run.resolve("policy=accumulate/seed=3/gen=000/synthetic.bin");
        try (FileChannel ch = FileChannel.open(s, StandardOpenOption.WRITE)) {
            ByteBuffer ids = ByteBuffer.allocate(4 * 200).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 200; i++) {
                ids.putInt(7);
            }
            ch.write(ids.flip(), 64 + 4 * 40);
        }
        CliRun bad = CliRun.of("verify", run.toString());
        assertEquals(2, bad.exitCode(), bad.out() + bad.err());
        List<String> failed = bad.out().lines().filter(l -> l.startsWith("✗ ")).toList();
        assertEquals(1, failed.size(), bad.out());
        assertTrue(failed.get(0).startsWith("✗ " + s + ": corrupt"), bad.out());

        // a resume must not train on the changed set: one line naming it, exit 2
        Files.delete(run.resolve("policy=accumulate/seed=3/gen=002/DONE"));
        StringBuilder resumed = new StringBuilder();
        assertEquals(2, StudyTestSupport.runChild(cfg, null, resumed), resumed.toString());
        assertTrue(resumed.toString().contains(s + ": corrupt"), resumed.toString());
    }

    /** Ids outside the vocabulary in a synthetic set (a well-formed file from another tool). */
    @Test
    void outOfVocabularyIdsInASyntheticSetAreOneLine() throws Exception {
        StringBuilder log = new StringBuilder();
        List<String> cfg = StudyTestSupport.tiny(tmp);
        assertEquals(0, StudyTestSupport.runChild(cfg, null, log), log.toString());
        Path run = tmp.resolve("study");
        Path s = run.resolve("policy=accumulate/seed=3/gen=000/synthetic.bin");
        dev.ouroboros.datasets.BlockFile.Header h = dev.ouroboros.datasets.BlockFile.readHeader(s);
        int[] ids = new int[(int) h.count() * h.blockSize()];
        ids[17] = 1_000_000;
        dev.ouroboros.datasets.BlockFile.write(
                s, new dev.ouroboros.datasets.TokenBlocks(h.blockSize(), ids), h.tokenizerSha256());
        Files.delete(run.resolve("policy=accumulate/seed=3/gen=002/DONE"));
        StringBuilder resumed = new StringBuilder();
        assertEquals(2, StudyTestSupport.runChild(cfg, null, resumed), resumed.toString());
        assertTrue(
                resumed.toString()
                        .contains(s + ": holds token id 1000000, outside the tokenizer's"),
                resumed.toString());
        assertTrue(!resumed.toString().contains("\tat "), "no stack trace: " + resumed);
    }
}
