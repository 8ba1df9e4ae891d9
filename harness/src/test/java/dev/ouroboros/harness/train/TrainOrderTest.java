package dev.ouroboros.harness.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.datasets.TokenBlocks;
import dev.ouroboros.harness.CliRun;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.config.TrainConfig;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train.shuffle} and {@code train.write_order}: file order when off, {@code order.jsonl}
 * holds exactly the permutation each epoch's batches were cut from (once per epoch, also after a
 * crash and resume), bad values are one line, and the hashes of configs made before the keys
 * existed are unchanged.
 */
class TrainOrderTest {
    @TempDir Path tmp;

    @BeforeAll
    static void threads() {
        TrainFixtures.singleThread();
    }

    static final String BASE =
            String.join(
                    "\n",
                    "out: runs/x",
                    "precision: fp32",
                    "model:",
                    "  tokenizer: tok",
                    "data:",
                    "  train: a.txt",
                    "  validation: b.txt",
                    "");

    static String fingerprint(String... overrides) {
        TrainConfig c = TrainConfig.parse(BASE, "x.yaml", List.of(overrides));
        TokenBlocks blocks = new TokenBlocks(2, new int[] {0, 1, 2, 3, 4, 5});
        return c.training().fingerprint(7, OptConfig.tiny(16, 8, 1, 2, 16, 32), blocks, blocks);
    }

    static String runHash(String... overrides) {
        List<String> o = new ArrayList<>(List.of("precision=fp32"));
        o.addAll(List.of(overrides));
        return RunConfig.parse("", o).hash();
    }

    /**
     * Measured before the keys existed (2026-12-02, on 3331d6a): checkpoints and run directories
     * made then still resume.
     */
    @Test
    void hashesOfConfigsWithoutTheKeysAreUnchanged() {
        assertEquals("f6348f1bef13ed9c", fingerprint());
        assertEquals("c12e557896d17057", runHash());
        assertEquals("f6348f1bef13ed9c", fingerprint("train.shuffle=true"));
        assertEquals("f6348f1bef13ed9c", fingerprint("train.write_order=true"));
        assertEquals("c12e557896d17057", runHash("train.write_order=true"));
        assertNotEquals("f6348f1bef13ed9c", fingerprint("train.shuffle=false"));
        assertNotEquals("c12e557896d17057", runHash("train.shuffle=false"));
        assertTrue(RunConfig.parse("", List.of()).training().train().shuffle());
        // a config.resolved.yaml written before the keys existed resumes with the same hash
        String old =
                RunConfig.parse("", List.of("precision=fp32"))
                        .toYaml()
                        .lines()
                        .filter(l -> !l.contains("shuffle:") && !l.contains("write_order:"))
                        .collect(java.util.stream.Collectors.joining("\n"));
        assertTrue(old.contains("eval_batch_size:"), old);
        RunConfig resumed = RunConfig.parse(old, List.of());
        assertEquals("c12e557896d17057", resumed.hash());
        assertTrue(resumed.training().train().shuffle());
        assertTrue(!resumed.training().train().writeOrder());
    }

    /** Every step's block indices, in order. */
    static final class Batches implements Trainer.Listener {
        final List<int[]> seen = new ArrayList<>();
        final long failBefore;

        Batches(long failBefore) {
            this.failBefore = failBefore;
        }

        @Override
        public void batch(long step, int[] blocks) {
            seen.add(blocks);
        }

        @Override
        public void beforeStep(long step, LanguageModel model) {
            if (step == failBefore) {
                throw new IllegalStateException("killed before step " + step);
            }
        }

        int[] concat(int from, int to) {
            return seen.subList(from, to).stream().flatMapToInt(IntStream::of).toArray();
        }
    }

    @Test
    void shuffleOffVisitsTheBlocksInFileOrderEveryEpoch() throws Exception {
        Path out = tmp.resolve("plain");
        TrainConfig cfg =
                TrainFixtures.tinyConfig(
                        out,
                        "train.epochs=2",
                        "train.shuffle=false",
                        "train.write_order=true",
                        "checkpoint.every_steps=1000");
        Batches b = new Batches(-1);
        TrainRun.execute(cfg, s -> {}, b);
        List<int[]> orders = EpochOrders.read(out.resolve("order.jsonl"));
        assertEquals(2, orders.size());
        int n = orders.get(0).length;
        int spe = (n + 7) / 8;
        assertEquals(2 * spe, b.seen.size());
        int[] identity = IntStream.range(0, n).toArray();
        assertArrayEquals(identity, b.concat(0, spe), "epoch 1 in file order");
        assertArrayEquals(identity, b.concat(spe, 2 * spe), "epoch 2 in file order");
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, b.seen.get(0));
        assertArrayEquals(identity, orders.get(0));
        assertArrayEquals(identity, orders.get(1));
    }

    @Test
    void writeOrderRecordsThePermutationsUsedOnceEachAcrossACrash() throws Exception {
        Path out = tmp.resolve("shuffled");
        String[] o = {"train.epochs=2", "train.write_order=true", "checkpoint.every_steps=2"};
        Batches first = new Batches(9); // in epoch 2 (6 steps per epoch), checkpoint at step 8
        assertThrows(
                IllegalStateException.class,
                () -> TrainRun.execute(TrainFixtures.tinyConfig(out, o), s -> {}, first));
        assertEquals(2, EpochOrders.read(out.resolve("order.jsonl")).size());
        Batches second = new Batches(-1);
        TrainConfig cfg = TrainFixtures.tinyConfig(out, o);
        TrainRun.execute(cfg, s -> {}, second);
        List<int[]> orders = EpochOrders.read(out.resolve("order.jsonl"));
        assertEquals(2, orders.size(), "one line per epoch, none repeated by the resume");
        assertEquals(2, Files.readAllLines(out.resolve("order.jsonl")).size());
        int n = orders.get(0).length;
        int spe = (n + 7) / 8;
        assertEquals(6, spe, "the crash point assumes 6 steps per epoch");
        for (int e = 0; e < 2; e++) {
            assertArrayEquals(Trainer.epochOrder(cfg.seed(), e, n), orders.get(e), "epoch " + e);
        }
        assertArrayEquals(orders.get(0), first.concat(0, spe), "epoch 1's batches");
        // the resumed run continues epoch 2 after the checkpoint of step 8: its steps 8..11
        int[] tail = second.concat(0, second.seen.size());
        int[] want = java.util.Arrays.copyOfRange(orders.get(1), 2 * 8, n);
        assertArrayEquals(want, tail, "epoch 2's batches after the resume");
        assertTrue(
                !java.util.Arrays.equals(orders.get(0), IntStream.range(0, n).toArray()),
                "shuffled by default");
    }

    @Test
    void badValuesAreOneLineExitTwo() throws Exception {
        Path cfgFile = tmp.resolve("c.yaml");
        Files.writeString(cfgFile, TrainFixtures.tinyConfig(tmp.resolve("bad")).toYaml());
        for (String bad : List.of("train.shuffle=maybe", "train.write_order=sometimes")) {
            CliRun r = CliRun.of("train", "--config", cfgFile.toString(), bad);
            assertEquals(2, r.exitCode(), bad + ": " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().contains(bad.substring(0, bad.indexOf('='))), r.err());
        }
        CliRun typo = CliRun.of("train", "--config", cfgFile.toString(), "train.shufle=false");
        assertEquals(2, typo.exitCode(), typo.err());
        assertTrue(typo.err().contains("did you mean 'train.shuffle'?"), typo.err());
    }

    @Test
    void aSecondTrainIntoTheSameOutputIsRefusedWhileTheFirstRuns() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("busy"));
        Path cfgFile = tmp.resolve("busy.yaml");
        Files.writeString(cfgFile, TrainFixtures.tinyConfig(out).toYaml());
        try (var held = dev.ouroboros.models.io.DirLock.take(out, "training output")) {
            CliRun r = CliRun.of("train", "--config", cfgFile.toString());
            assertEquals(2, r.exitCode(), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(
                    r.err()
                            .contains(
                                    out + ": another ouro process is writing this training output"),
                    r.err());
            assertTrue(!Files.exists(out.resolve("config.resolved.yaml")), "nothing written");
        }
    }
}
