package dev.ouroboros.harness.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.config.TrainConfig;
import dev.ouroboros.models.LanguageModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Native memory stays flat over a training run: 5 epochs in one JVM (checkpoints and validation
 * included) end within 10% of the RSS after epoch 1 (fp32; 20% for bf16, see below), and the number
 * of arrays the model's manager owns is the same after every epoch (a per-step leak of even one
 * array would grow it by the number of steps).
 */
class NativeMemoryTest {
    @TempDir Path tmp;

    @BeforeAll
    static void threads() {
        TrainFixtures.singleThread();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "fp32", "bf16"
            }) // bf16: the per-forward half copies of weights must not accumulate
    void fiveEpochsKeepRssAndManagedArraysFlat(String precision) throws Exception {
        Path text = tmp.resolve("corpus.txt");
        Files.writeString(text, Files.readString(TrainFixtures.evalText()).repeat(8));
        TrainConfig cfg =
                TrainFixtures.tinyConfig(
                        tmp.resolve(precision),
                        "data.train=" + text,
                        "data.block_size=32",
                        "model.hidden_size=128",
                        "model.ffn_dim=512",
                        "model.max_position_embeddings=64",
                        "model.dropout=0.1",
                        "train.epochs=5",
                        "checkpoint.every_steps=10",
                        "log.every_steps=1000",
                        "precision=" + precision);
        LanguageModel[] model = new LanguageModel[1];
        List<Long> rss = new ArrayList<>();
        List<Integer> arrays = new ArrayList<>();
        TrainRun.execute(
                cfg,
                s -> {},
                new Trainer.Listener() {
                    @Override
                    public void beforeStep(long step, LanguageModel m) {
                        model[0] = m;
                    }

                    @Override
                    public void afterEpoch(CheckpointStore.EpochRecord e) {
                        System.gc();
                        rss.add(TrainLog.rssBytes());
                        arrays.add(model[0].manager().getManagedArrays().size());
                    }
                });
        System.out.printf(
                "native memory (%s): RSS after epochs 1..5 (MiB) %s; model-manager arrays %s%n",
                precision, rss.stream().map(b -> b / (1 << 20)).toList(), arrays);
        assertEquals(5, rss.size());
        // fp32: the bound. bf16 allocates and frees a half copy of every weight per step,
        // which the allocator
        // settles more slowly (measured: +9.9% at epoch 5 here; over 20 epochs both precisions
        // plateau by epoch 6, at
        // 490 MiB fp32 / 515 MiB bf16, without GCs). A leak of those copies would add ~1 MB per
        // step; the exact check
        // below (arrays owned by the model manager) catches copies attached to the wrong manager.
        double bound = precision.equals("fp32") ? 1.10 : 1.20;
        assertTrue(
                rss.get(4) <= bound * rss.get(0),
                "RSS grew from " + rss.get(0) + " to " + rss.get(4));
        for (int a : arrays) {
            assertEquals(arrays.get(0), a, "managed arrays per epoch: " + arrays);
        }
    }

    /**
     * Regression test for a use-after-free: DJL frees the tensor behind a Number operand ({@code
     * x.mul(0.125f)}) right after the op although autograd saved it for backward, so backward read
     * memory the GC could already have reused; training then diverged nondeterministically. With a
     * thread forcing GCs throughout, a run must still be bit-identical to a quiet one.
     */
    @ParameterizedTest
    @ValueSource(strings = {"fp32", "bf16"})
    void trainingIsBitIdenticalUnderGcPressure(String precision) throws Exception {
        float[][] weights = new float[2][];
        for (int run = 0; run < 2; run++) {
            TrainConfig cfg =
                    TrainFixtures.tinyConfig(
                            tmp.resolve(precision + "-gc" + run),
                            "model.dropout=0.1",
                            "train.max_steps=20",
                            "optim.lr=1e-2",
                            "checkpoint.every_steps=1000",
                            "log.every_steps=1000",
                            "precision=" + precision);
            java.util.concurrent.atomic.AtomicBoolean stop =
                    new java.util.concurrent.atomic.AtomicBoolean();
            Thread hammer =
                    new Thread(
                            () -> {
                                while (!stop.get()) {
                                    System.gc();
                                }
                            });
            if (run == 1) {
                hammer.start();
            }
            LanguageModel[] model = new LanguageModel[1];
            int r = run;
            try {
                TrainRun.execute(
                        cfg,
                        s -> {},
                        new Trainer.Listener() {
                            @Override
                            public void beforeStep(long step, LanguageModel m) {
                                model[0] = m;
                            }

                            @Override
                            public void afterStep(long step) {
                                if (step == 19) {
                                    weights[r] =
                                            model[0].block()
                                                    .parametersByName()
                                                    .get("decoder.layers.0.self_attn.q_proj.weight")
                                                    .getArray()
                                                    .toFloatArray();
                                }
                            }
                        });
            } finally {
                stop.set(true);
                if (run == 1) {
                    hammer.join();
                }
            }
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(weights[0], weights[1]);
    }
}
