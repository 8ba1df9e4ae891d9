package dev.ouroboros.harness.train;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.datasets.ShumailovBlocking;
import dev.ouroboros.datasets.TokenBlocks;
import dev.ouroboros.harness.config.RecordedPrecision;
import dev.ouroboros.harness.config.TrainConfig;
import dev.ouroboros.models.Attention;
import dev.ouroboros.models.Devices;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.Placement;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.AtomicFile;
import dev.ouroboros.models.io.DirLock;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * One {@code ouro train} run from a {@link TrainConfig}: device and precision checks, tokenizer,
 * Shumailov blocking of the text files, the model (random init from the seed, or an HF checkpoint),
 * {@link Trainer}, then the best epoch's model in HF layout:
 *
 * <pre>
 * out/
 *   config.resolved.yaml   the configuration after defaults and overrides, precision resolved
 *                          (a restart with precision auto keeps what it records)
 *   train.jsonl            step log (train / eval / checkpoint rows)
 *   order.jsonl            train.write_order only: each epoch's block order ({@link EpochOrders})
 *   checkpoint/            resumable state while training (removed once DONE is written)
 *   model/                 config.json, model.safetensors, tokenizer files (best epoch)
 *   DONE                   summary JSON, written last
 * </pre>
 */
public final class TrainRun {
    private TrainRun() {}

    /**
     * Runs (or resumes) the training {@code cfg} describes and returns what the trainer reported.
     */
    public static Trainer.Result execute(
            TrainConfig asked, Consumer<String> console, Trainer.Listener listener) {
        Path out = Path.of(asked.out());
        if (Files.exists(out.resolve("DONE"))) {
            throw new UserInputException(
                    out + ": this run is already complete (DONE exists); choose another `out`");
        }
        try (DirLock lock = lock(out)) {
            return execute(asked, out, console, listener);
        }
    }

    /**
     * Creates {@code out} and takes its lock: a second {@code ouro train} into the same directory
     * is refused with one line instead of interleaving checkpoints.
     */
    private static DirLock lock(Path out) {
        try {
            Files.createDirectories(out);
            return DirLock.take(out, "training output");
        } catch (java.nio.file.FileSystemException e) {
            throw new UserInputException(
                    out + ": cannot create the training output (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot create or lock", e);
        }
    }

    private static Trainer.Result execute(
            TrainConfig asked, Path out, Consumer<String> console, Trainer.Listener listener) {
        Placement placement = RecordedPrecision.placement(out, asked.device(), asked.precision());
        console.accept(placement.line());
        TrainConfig cfg = asked.withPrecision(placement.precision()); // what the run records
        Attention.select(cfg.model().attention());
        Device device = placement.device();
        Trainer.checkPrecision(placement.precision(), device);
        String tokDir = cfg.model().tokenizerOrBase();
        try (OptTokenizer tok = OptTokenizer.load(Path.of(tokDir));
                LanguageModel model =
                        InitialWeights.create(
                                cfg.init(),
                                0,
                                cfg.model(),
                                null,
                                tok,
                                tokDir,
                                cfg.seed(),
                                device)) {
            int b = cfg.data().blockSize();
            TokenBlocks train = blocks(cfg.data().train(), tok, b, cfg.data().maxTrainBlocks());
            TokenBlocks val =
                    blocks(cfg.data().validation(), tok, b, cfg.data().maxValidationBlocks());
            writeQuietly(out.resolve("config.resolved.yaml"), cfg.toYaml());
            console.accept(
                    String.format(
                            "training %,d parameters on %s | %d train blocks, %d validation blocks of %d | %d steps (%d per epoch)",
                            model.parameterCount(),
                            Devices.describe(device),
                            train.count(),
                            val.count(),
                            cfg.data().blockSize(),
                            cfg.training().train().totalSteps(train.count()),
                            cfg.training().train().stepsPerEpoch(train.count())));
            Trainer trainer =
                    new Trainer(cfg.training(), cfg.seed(), model, train, val, out)
                            .console(console)
                            .listener(listener);
            Trainer.Result r = trainer.run();
            Path modelDir = out.resolve("model");
            model.save(modelDir);
            try {
                tok.save(modelDir);
            } catch (IOException e) {
                throw new UncheckedIOException(modelDir + ": cannot write the tokenizer", e);
            }
            writeDone(out, cfg, r, model, train, val, device);
            new CheckpointStore(out.resolve("checkpoint")).deleteAll();
            console.accept(
                    String.format(
                            "best epoch %d (val loss %.4f, ppl %.2f) written to %s",
                            r.bestEpoch(), r.bestValLoss(), Math.exp(r.bestValLoss()), modelDir));
            return r;
        }
    }

    /** {@code DONE}: the trainer's summary and the checkpoint fingerprint, written last. */
    private static void writeDone(
            Path out,
            TrainConfig cfg,
            Trainer.Result r,
            LanguageModel model,
            TokenBlocks train,
            TokenBlocks val,
            Device device) {
        ObjectNode done = new ObjectMapper().createObjectNode();
        done.put("steps", r.steps())
                .put("best_epoch", r.bestEpoch())
                .put("best_val_loss", r.bestValLoss())
                .put("initial_val_loss", r.initialValLoss())
                .put("seconds", r.seconds())
                .put(
                        "config_hash",
                        cfg.training().fingerprint(cfg.seed(), model.config(), train, val))
                .put("device", Devices.describe(device));
        ArrayNode h = done.putArray("epochs");
        r.history()
                .forEach(
                        e ->
                                h.addObject()
                                        .put("epoch", e.epoch())
                                        .put("train_loss", e.trainLoss())
                                        .put("val_loss", e.valLoss()));
        try {
            AtomicFile.write(
                    out.resolve("DONE"),
                    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(done));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static TokenBlocks blocks(String file, OptTokenizer tok, int blockSize, long limit) {
        TokenBlocks b = ShumailovBlocking.blocks(readText(Path.of(file)), tok, blockSize);
        return limit > 0 ? b.limit(limit) : b;
    }

    static String readText(Path file) {
        return dev.ouroboros.datasets.TextCorpora.readUtf8(file);
    }

    private static void writeQuietly(Path file, String text) {
        AtomicFile.write(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
