package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.harness.CliRun;
import dev.ouroboros.models.io.FileTrees;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overwriting 200 ids inside a finished generation's synthetic set once resumed with exit 0 and a
 * moved test perplexity. Now `ouro verify` lists the file, and a resume makes the set again from
 * the model that wrote it (the same blocks, so the same metrics), or refuses in one line when that
 * model was not kept.
 */
class VerifyRunDirTest {
    @TempDir Path tmp;

    @Test
    void overwrittenSyntheticIdsAreListedByVerifyAndRecomputedByResume() throws Exception {
        StringBuilder log = new StringBuilder();
        List<String> cfg = StudyTestSupport.tiny(tmp);
        assertEquals(0, StudyTestSupport.runChild(cfg, null, log), log.toString());
        Path run = tmp.resolve("study");
        CliRun clean = CliRun.of("verify", run.toString());
        assertEquals(0, clean.exitCode(), clean.out() + clean.err());
        assertTrue(clean.out().contains("are sound"), clean.out());
        TreeMap<String, String> reference = StudyTestSupport.rows(run);
        Path s = run.resolve("policy=accumulate/seed=3/gen=000/synthetic.bin");
        byte[] original = Files.readAllBytes(s);

        overwrite200Ids(s);
        CliRun bad = CliRun.of("verify", run.toString());
        assertEquals(2, bad.exitCode(), bad.out() + bad.err());
        List<String> failed = bad.out().lines().filter(l -> l.startsWith("✗ ")).toList();
        assertEquals(1, failed.size(), bad.out());
        assertTrue(failed.get(0).startsWith("✗ " + s + ": corrupt"), bad.out());

        // generation 2 (trained on S_1 under accumulate) is done again, on the recomputed set
        FileTrees.deleteTree(run.resolve("policy=accumulate/seed=3/gen=002"));
        Path metrics = run.resolve(MetricsLog.FILE);
        List<String> kept =
                Files.readAllLines(metrics).stream()
                        .filter(l -> !l.contains("\"generation\":2"))
                        .toList();
        assertEquals(reference.size() - 3, kept.size());
        Files.write(metrics, kept);
        StringBuilder resumed = new StringBuilder();
        assertEquals(0, StudyTestSupport.runChild(cfg, null, resumed), resumed.toString());
        assertTrue(
                resumed.toString()
                        .contains(
                                "policy=accumulate/seed=3/gen=000/synthetic.bin failed its"
                                        + " checksum: recomputing from gen=000's model"),
                resumed.toString());
        assertArrayEquals(original, Files.readAllBytes(s));
        assertEquals(reference, StudyTestSupport.rows(run));
        assertFalse(Files.exists(s.resolveSibling("synthetic.recompute")));
        assertEquals(0, CliRun.of("verify", run.toString()).exitCode());
    }

    /** keep: last drops generation 1's model, so its corrupt set cannot be made again. */
    @Test
    void aCorruptSetWhoseModelWasNotKeptIsRefusedInOneLine() throws Exception {
        StringBuilder log = new StringBuilder();
        List<String> cfg = new ArrayList<>(StudyTestSupport.tiny(tmp));
        cfg.add("keep=last");
        assertEquals(0, StudyTestSupport.runChild(cfg, null, log), log.toString());
        Path run = tmp.resolve("study");
        Path s = run.resolve("policy=accumulate/seed=3/gen=001/synthetic.bin");
        overwrite200Ids(s);
        StringBuilder resumed = new StringBuilder();
        assertEquals(2, StudyTestSupport.runChild(cfg, null, resumed), resumed.toString());
        assertTrue(
                resumed.toString()
                        .contains(
                                "ouro: policy=accumulate/seed=3/gen=001/synthetic.bin failed its"
                                        + " checksum, and it cannot be recomputed: gen=001's model was"
                                        + " not kept (keep: last); run the cell again (delete"
                                        + " policy=accumulate/seed=3)"),
                resumed.toString());
        assertFalse(resumed.toString().contains("\tat "), "no stack trace: " + resumed);
    }

    private static void overwrite200Ids(Path s) throws java.io.IOException {
        try (FileChannel ch = FileChannel.open(s, StandardOpenOption.WRITE)) {
            ByteBuffer ids = ByteBuffer.allocate(4 * 200).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 200; i++) {
                ids.putInt(7);
            }
            ch.write(ids.flip(), 64 + 4 * 40);
        }
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
