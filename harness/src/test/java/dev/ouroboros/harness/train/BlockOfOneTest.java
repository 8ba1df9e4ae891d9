package dev.ouroboros.harness.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.ouroboros.datasets.TokenBlocks;
import dev.ouroboros.harness.CliRun;
import dev.ouroboros.harness.config.TrainConfig;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.UserInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One-token blocks exist now (a {@code --new-tokens 1} synthetic set) but training refuses them: a
 * block of one has no next token to predict. {@code ouro train} says so in one line (exit 2), and
 * the trainer itself refuses such blocks from any source.
 */
class BlockOfOneTest {
    static final Path TINY = Path.of("../configs/train-tiny.yaml").toAbsolutePath().normalize();

    @TempDir Path tmp;

    @Test
    void ouroTrainWithABlockOfOneIsOneLineAndExitTwo() {
        Path out = tmp.resolve("run");
        CliRun r =
                CliRun.of(
                        "train",
                        "--config",
                        TINY.toString(),
                        "data.block_size=1",
                        "out=" + out,
                        "model.tokenizer=" + TrainFixtures.tokenizer(),
                        "data.train=" + TrainFixtures.evalText(),
                        "data.validation=" + TrainFixtures.evalText());
        assertEquals(2, r.exitCode(), r.out() + r.err());
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertEquals("ouro: " + TINY + ": data.block_size must be at least 2, got 1", lines.get(0));
        assertFalse(Files.exists(out.resolve("train.jsonl")));
    }

    @Test
    void theTrainerRefusesOneTokenBlocks() {
        TrainConfig cfg = TrainFixtures.tinyConfig(tmp.resolve("t"), "precision=fp32");
        TokenBlocks ones = new TokenBlocks(1, new int[] {5, 6, 7, 8});
        try (LanguageModel m =
                LanguageModel.random(OptConfig.tiny(1000, 32, 2, 4, 64, 32), 0, Device.cpu())) {
            UserInputException e =
                    assertThrows(
                            UserInputException.class,
                            () -> new Trainer(cfg.training(), 0, m, ones, ones, tmp.resolve("t")));
            assertTrue(
                    e.getMessage()
                            .startsWith(
                                    "data.block_size 1: training needs blocks of at least 2 tokens"),
                    e.getMessage());
        }
    }
}
