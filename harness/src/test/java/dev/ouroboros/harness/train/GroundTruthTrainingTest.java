package dev.ouroboros.harness.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.datasets.GroundTruthLanguage;
import dev.ouroboros.datasets.WordLevelTokenizer;
import dev.ouroboros.harness.config.TrainConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ouro train} on the built-in ground-truth language: a tiny OPT from scratch on CPU ends
 * with a validation loss (nats per token) well below the language's exact unigram entropy — it
 * learned the grammar, not just word frequencies.
 */
class GroundTruthTrainingTest {
    @Test
    void validationLossFallsWellBelowTheUnigramEntropy(@TempDir Path tmp) {
        GroundTruthLanguage lang = new GroundTruthLanguage(GroundTruthLanguage.Config.defaults(0));
        lang.writeCorpus(tmp.resolve("corpus"), 1500, 150, 150);
        WordLevelTokenizer.write(tmp.resolve("tokenizer"), lang.vocabulary());
        double entropy = 0;
        for (double p : lang.unigram()) {
            entropy -= p > 0 ? p * Math.log(p) : 0;
        }
        TrainConfig cfg =
                TrainConfig.parse(
                        "",
                        "test",
                        List.of(
                                "out=" + tmp.resolve("out"),
                                "model.tokenizer=" + tmp.resolve("tokenizer"),
                                "data.train=" + tmp.resolve("corpus/train.txt"),
                                "data.validation=" + tmp.resolve("corpus/validation.txt"),
                                "data.block_size=32",
                                "model.hidden_size=64",
                                "model.ffn_dim=256",
                                "model.dropout=0.0",
                                "optim.lr=3e-3",
                                "schedule.kind=cosine",
                                "schedule.eta_min=1e-5",
                                "train.epochs=8",
                                "train.batch_size=16",
                                "train.micro_batch_size=16",
                                "log.every_steps=50",
                                "checkpoint.every_steps=1000"));
        Trainer.Result r = TrainRun.execute(cfg, s -> {}, new Trainer.Listener() {});
        System.out.printf(
                "ground truth: unigram entropy %.3f nats; val loss %.3f -> %.3f (epoch %d)%n",
                entropy, r.initialValLoss(), r.bestValLoss(), r.bestEpoch());
        assertTrue(
                r.bestValLoss() < 0.75 * entropy,
                "val loss " + r.bestValLoss() + " vs unigram entropy " + entropy);
    }
}
