package dev.ouroboros.harness.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.OptModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Native memory stays flat over a training run: 5 epochs in one JVM (checkpoints and validation included) end
 * within 10% of the RSS after epoch 1, and the number of arrays the model's manager owns is the same after every
 * epoch (a per-step leak of even one array would grow it by the number of steps).
 */
class NativeMemoryTest {
  @TempDir Path tmp;

  @BeforeAll
  static void threads() {
    TrainFixtures.singleThread();
  }

  @Test
  void fiveEpochsKeepRssAndManagedArraysFlat() throws Exception {
    Path text = tmp.resolve("corpus.txt");
    Files.writeString(text, Files.readString(TrainFixtures.evalText()).repeat(8));
    TrainConfig cfg = TrainFixtures.tinyConfig(tmp.resolve("run"), "data.train=" + text, "data.block_size=32",
        "model.hidden_size=128", "model.ffn_dim=512", "model.max_position_embeddings=64", "model.dropout=0.1",
        "train.epochs=5", "checkpoint.every_steps=10", "log.every_steps=1000");
    OptModel[] model = new OptModel[1];
    List<Long> rss = new ArrayList<>();
    List<Integer> arrays = new ArrayList<>();
    TrainRun.execute(cfg, s -> {}, new Trainer.Listener() {
      @Override
      public void beforeStep(long step, OptModel m) {
        model[0] = m;
      }

      @Override
      public void afterEpoch(CheckpointStore.EpochRecord e) {
        System.gc();
        rss.add(TrainLog.rssBytes());
        arrays.add(model[0].manager().getManagedArrays().size());
      }
    });
    System.out.printf("native memory: RSS after epochs 1..5 (MiB) %s; model-manager arrays %s%n",
        rss.stream().map(b -> b / (1 << 20)).toList(), arrays);
    assertEquals(5, rss.size());
    assertTrue(rss.get(4) <= 1.10 * rss.get(0), "RSS grew from " + rss.get(0) + " to " + rss.get(4));
    for (int a : arrays) {
      assertEquals(arrays.get(0), a, "managed arrays per epoch: " + arrays);
    }
  }
}
