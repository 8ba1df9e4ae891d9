package dev.ouroboros.harness.train;

import static dev.ouroboros.models.TokenIds.toLong;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.datasets.TokenBlocks;
import dev.ouroboros.eval.BlocksPerplexity;
import dev.ouroboros.eval.Perplexity;
import dev.ouroboros.harness.Progress;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptWeights;
import dev.ouroboros.models.Precision;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.RawTensor;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains an {@link LanguageModel} in place on token blocks: seeded per-epoch shuffling,
 * micro-batches with gradient accumulation, global-norm clipping and {@link AdamW} ({@link
 * TrainStep}), an LR {@link LrSchedule}, validation after every epoch (protocol {@code blocks}),
 * the best epoch kept, resumable checkpoints ({@link CheckpointStore}) and a step log ({@code
 * train.jsonl}). When {@link #run} returns, the model holds the best epoch's weights.
 *
 * <p>Data order: epoch {@code e} visits the training blocks in a Fisher–Yates permutation drawn
 * from {@code SplittableRandom(mix(seed, e))}; step {@code i} of the epoch takes positions {@code
 * [i·batch, (i+1)·batch)}; the last batch of an epoch may be smaller (not dropped).
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    /** Hooks for tests and tools; every method has a no-op default. */
    public interface Listener {
        /** Before optimizer step {@code step} (0-based). */
        default void beforeStep(long step, LanguageModel model) {}

        default void afterStep(long step, TrainStep.Result r) {}

        /** After the validation (and checkpoint) of an epoch. */
        default void afterEpoch(CheckpointStore.EpochRecord e) {}
    }

    /** What a run did. */
    public record Result(
            long steps,
            long resumedFromStep,
            double initialValLoss,
            int bestEpoch,
            double bestValLoss,
            List<CheckpointStore.EpochRecord> history,
            double seconds) {}

    private final TrainConfig cfg;
    private final LanguageModel model;
    private final TokenBlocks train;
    private final TokenBlocks validation;
    private final Path runDir;
    private final Precision precision;
    private Listener listener = new Listener() {};
    private Consumer<String> console = LOG::info;

    public Trainer(
            TrainConfig cfg,
            LanguageModel model,
            TokenBlocks train,
            TokenBlocks validation,
            Path runDir) {
        this.precision = checkPrecision(cfg.precision(), model.device());
        if (train.count() == 0) {
            throw new UserInputException(
                    "data.train: no training blocks (text too short for one block of "
                            + train.blockSize()
                            + ")");
        }
        if (validation.count() == 0) {
            throw new UserInputException("data.validation: no validation blocks");
        }
        if (train.blockSize() > model.config().maxPositionEmbeddings()) {
            throw new UserInputException(
                    "data.block_size "
                            + train.blockSize()
                            + " exceeds the model's max_position_embeddings "
                            + model.config().maxPositionEmbeddings());
        }
        this.cfg = cfg;
        this.model = model;
        this.train = train;
        this.validation = validation;
        this.runDir = runDir;
    }

    public Trainer listener(Listener l) {
        this.listener = l;
        return this;
    }

    /** Where the human log lines go (default: the logger). */
    public Trainer console(Consumer<String> c) {
        this.console = c;
        return this;
    }

    /**
     * The training precision. fp16/bf16 (half-precision matmuls over fp32 masters,
     * docs/training.md) are meant for CUDA; they also run on CPU (which is how the test suite
     * covers them), where fp16 is very slow — 40× fp32 for the OPT-125m shape on the development
     * machine (docs/benchmarks.md) — so a warning says so.
     */
    public static Precision checkPrecision(String precision, Device device) {
        Precision p = Precision.parse("precision", precision);
        if (p == Precision.FP16 && !device.isGpu()) {
            LOG.warn(
                    "precision fp16 on the CPU: libtorch's CPU fp16 kernels are very slow (~40x fp32 measured);"
                            + " use fp32 or bf16");
        }
        return p;
    }

    public int stepsPerEpoch() {
        return (train.count() + cfg.train().batchSize() - 1) / cfg.train().batchSize();
    }

    public long totalSteps() {
        long all = (long) cfg.train().epochs() * stepsPerEpoch();
        return cfg.train().maxSteps() > 0 ? Math.min(all, cfg.train().maxSteps()) : all;
    }

    /** Block order of epoch {@code epoch} (0-based) for a run seeded {@code seed}. */
    public static int[] epochOrder(long seed, int epoch, int n) {
        SplittableRandom rng =
                new SplittableRandom(
                        seed * 0x9E3779B97F4A7C15L ^ (0xD1B54A32D192ED03L * (epoch + 1)));
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    public Result run() {
        long t0 = System.nanoTime();
        ai.djl.engine.Engine.getInstance();
        JniUtils.setGradMode(
                false); // grad mode is thread-local and on by default off the engine's thread (flag
        // 8)
        int spe = stepsPerEpoch();
        long total = totalSteps();
        int bs = cfg.train().batchSize();
        int micro = cfg.train().microBatchSize();
        String hash = cfg.trainingHash();
        LrSchedule schedule = LrSchedule.of(cfg.schedule(), cfg.optim().lr(), total, spe);
        Map<String, Parameter> params = model.block().parametersByName();
        CheckpointStore store = new CheckpointStore(runDir.resolve("checkpoint"));
        AdamW opt =
                new AdamW(
                        model.manager(),
                        cfg.optim().beta1(),
                        cfg.optim().beta2(),
                        cfg.optim().eps(),
                        cfg.optim().weightDecay());
        LossScaler scaler =
                LossScaler.of(
                        precision,
                        cfg.optim().lossScaleInit(),
                        cfg.optim().lossScaleGrowthInterval());

        long step = 0;
        long resumedFrom = -1;
        long lastCheckpoint = -1;
        double initialVal;
        int bestEpoch = -1;
        double bestVal = Double.POSITIVE_INFINITY;
        String bestFile = null;
        List<RawTensor> bestWeights = null;
        long tokensSeen = 0;
        double epochLossSum = 0;
        long epochLossSteps = 0;
        List<CheckpointStore.EpochRecord> history = new ArrayList<>();

        Optional<CheckpointStore.Loaded> found =
                cfg.checkpoint().resume() ? store.latest() : Optional.empty();
        if (!cfg.checkpoint().resume()) {
            store.deleteAll();
        }
        if (found.isPresent()) {
            CheckpointStore.State st = found.get().state();
            if (!st.configHash().equals(hash)) {
                throw new UserInputException(
                        store.root()
                                + ": the checkpoint was written by a run with a different config (hash "
                                + st.configHash()
                                + ", now "
                                + hash
                                + "); use another `out` or set checkpoint.resume=false to start over");
            }
            loadWeights(found.get().weights(), params);
            opt.load(found.get().adamw(), st.adamwSteps(), weightArrays(params));
            if (st.version() >= 2) {
                scaler.restore(st.lossScale(), st.lossScaleGoodSteps());
            }
            step = st.step();
            resumedFrom = step;
            lastCheckpoint = step;
            initialVal = st.initialValLoss();
            bestEpoch = st.bestEpoch();
            bestVal = st.bestEpoch() >= 0 ? st.bestValLoss() : Double.POSITIVE_INFINITY;
            bestFile = st.bestFile();
            if (bestFile != null) {
                bestWeights = new ArrayList<>(store.readBest(bestFile).values());
            }
            tokensSeen = st.tokensSeen();
            epochLossSum = st.epochLossSum();
            epochLossSteps = st.epochLossSteps();
            history.addAll(st.history());
            console.accept(
                    "resuming from " + found.get().dir() + " (step " + step + "/" + total + ")");
        } else {
            initialVal = validate();
        }

        try (TrainLog log = new TrainLog(runDir.resolve("train.jsonl"), step, console);
                Progress bar =
                        System.console() != null ? new Progress("train", "steps", total) : null) {
            if (resumedFrom < 0) {
                ObjectNode row = log.row("eval");
                row.put("step", 0)
                        .put("epoch", 0)
                        .put("val_loss", initialVal)
                        .put("val_ppl", Math.exp(initialVal));
                log.write(
                        row,
                        String.format(
                                java.util.Locale.ROOT,
                                "epoch 0 (before training) | val loss %.4f | val ppl %.2f",
                                initialVal,
                                Math.exp(initialVal)));
            }
            int[] order = null;
            int orderEpoch = -1;
            long windowStart = System.nanoTime();
            long windowTokens = 0;
            double windowLoss = 0;
            int windowSteps = 0;
            int windowSkipped = 0;
            double lastNorm = Double.NaN; // of the last applied step (fp16 skips report none)
            long runStartStep = step;
            long runStartNanos = System.nanoTime();
            while (step < total) {
                int epoch = (int) (step / spe);
                int i = (int) (step % spe);
                if (epoch != orderEpoch) {
                    order = epochOrder(cfg.seed(), epoch, train.count());
                    orderEpoch = epoch;
                }
                int from = i * bs;
                int to = Math.min(train.count(), from + bs);
                List<long[][]> microBatches = new ArrayList<>();
                for (int s = from; s < to; s += micro) {
                    int e = Math.min(to, s + micro);
                    long[][] rows = new long[e - s][];
                    for (int r = s; r < e; r++) {
                        rows[r - s] = toLong(train.block(order[r]));
                    }
                    microBatches.add(rows);
                }
                listener.beforeStep(step, model);
                double lr = schedule.at(step);
                TrainStep.Result r;
                try {
                    r =
                            TrainStep.run(
                                    model,
                                    opt,
                                    microBatches,
                                    lr,
                                    cfg.optim().maxGradNorm(),
                                    TrainStep.dropoutSeed(cfg.seed(), step),
                                    precision,
                                    scaler);
                } catch (TrainStep.NonFinite nf) {
                    ObjectNode row = log.row("diverged");
                    row.put("step", step + 1)
                            .put("what", nf.what)
                            .put("value", String.valueOf(nf.value));
                    log.write(row, null);
                    throw new TrainingDivergedException(
                            step + 1, nf.what, nf.value, lastCheckpoint, store.root().toString());
                }
                step++;
                long tokens = (long) (to - from) * train.blockSize();
                tokensSeen += tokens;
                epochLossSum += r.loss();
                epochLossSteps++;
                windowTokens += tokens;
                windowLoss += r.loss();
                windowSteps++;
                if (r.skipped()) {
                    windowSkipped++;
                } else {
                    lastNorm = r.gradNorm();
                }
                listener.afterStep(step - 1, r);
                dev.ouroboros.models.CrashPoint.here("train-step");
                if (bar != null) {
                    bar.update(step);
                }
                if (step % cfg.log().everySteps() == 0 || step == total) {
                    double secs = Math.max(1e-9, (System.nanoTime() - windowStart) / 1e9);
                    double tps = windowTokens / secs;
                    double perStep =
                            (System.nanoTime() - runStartNanos) / 1e9 / (step - runStartStep);
                    double eta = perStep * (total - step);
                    long rss = TrainLog.rssBytes();
                    Double mfu =
                            model.device().isGpu() && cfg.log().peakTflops() > 0
                                    ? 6.0
                                            * model.parameterCount()
                                            * tps
                                            / (cfg.log().peakTflops() * 1e12)
                                    : null;
                    double meanLoss = windowLoss / windowSteps;
                    ObjectNode row = log.row("train");
                    row.put("step", step)
                            .put("total_steps", total)
                            .put("epoch", epoch + 1)
                            .put("loss", meanLoss)
                            .put("lr", lr)
                            .put("tokens_per_s", tps)
                            .put("rss_bytes", rss)
                            .put("eta_s", eta)
                            .put("tokens_seen", tokensSeen);
                    if (Double.isFinite(lastNorm)) {
                        row.put("grad_norm", lastNorm);
                    } else {
                        row.putNull("grad_norm");
                    }
                    if (mfu != null) {
                        row.put("mfu", mfu);
                    }
                    String line =
                            TrainLog.stepLine(
                                    step, total, epoch + 1, meanLoss, lr, lastNorm, tps, rss, eta,
                                    mfu);
                    if (scaler.enabled()) {
                        row.put("loss_scale", scaler.scale()).put("skipped_steps", windowSkipped);
                        line +=
                                String.format(
                                        java.util.Locale.ROOT,
                                        " | scale %.0f | skipped %d",
                                        scaler.scale(),
                                        windowSkipped);
                    }
                    log.write(row, line);
                    windowSkipped = 0;
                    windowStart = System.nanoTime();
                    windowTokens = 0;
                    windowLoss = 0;
                    windowSteps = 0;
                }
                boolean epochEnd = step % spe == 0 || step == total;
                CheckpointStore.EpochRecord rec = null;
                if (epochEnd) {
                    double val = validate();
                    boolean best = val < bestVal;
                    if (best) {
                        bestVal = val;
                        bestEpoch = epoch + 1;
                        bestWeights = OptWeights.stateDict(model.block());
                        bestFile = store.writeBest(bestEpoch, bestWeights);
                    }
                    double trainLoss = epochLossSum / Math.max(1, epochLossSteps);
                    rec = new CheckpointStore.EpochRecord(epoch + 1, step, trainLoss, val, best);
                    history.add(rec);
                    epochLossSum = 0;
                    epochLossSteps = 0;
                    ObjectNode row = log.row("eval");
                    row.put("step", step)
                            .put("epoch", epoch + 1)
                            .put("train_loss", trainLoss)
                            .put("val_loss", val)
                            .put("val_ppl", Math.exp(val))
                            .put("best", best)
                            .put("rss_bytes", TrainLog.rssBytes());
                    log.write(
                            row,
                            String.format(
                                    java.util.Locale.ROOT,
                                    "epoch %d done | train loss %.4f | val loss %.4f | val ppl %.2f%s",
                                    epoch + 1,
                                    trainLoss,
                                    val,
                                    Math.exp(val),
                                    best ? " | best so far" : ""));
                }
                if (epochEnd || step % cfg.checkpoint().everySteps() == 0) {
                    CheckpointStore.State st =
                            new CheckpointStore.State(
                                    CheckpointStore.State.VERSION,
                                    step,
                                    hash,
                                    cfg.seed(),
                                    bestEpoch,
                                    bestEpoch >= 0 ? bestVal : 0.0,
                                    bestFile,
                                    initialVal,
                                    tokensSeen,
                                    epochLossSum,
                                    epochLossSteps,
                                    List.copyOf(history),
                                    opt.steps(),
                                    scaler.scale(),
                                    scaler.goodSteps());
                    store.save(st, OptWeights.stateDict(model.block()), opt.stateTensors());
                    lastCheckpoint = step;
                    ObjectNode row = log.row("checkpoint");
                    row.put("step", step);
                    log.write(row, null);
                }
                if (rec != null) {
                    listener.afterEpoch(rec);
                }
            }
        }
        if (bestWeights != null) {
            Map<String, RawTensor> byKey = new LinkedHashMap<>();
            for (RawTensor t : bestWeights) {
                byKey.put(t.name(), t);
            }
            loadWeights(byKey, params);
        }
        opt.close();
        return new Result(
                step,
                resumedFrom,
                initialVal,
                bestEpoch,
                bestVal,
                List.copyOf(history),
                (System.nanoTime() - t0) / 1e9);
    }

    /** Mean NLL per prediction on the validation blocks (protocol {@code blocks}). */
    double validate() {
        BlocksPerplexity p =
                Perplexity.blocks(model, validation, cfg.train().evalBatchSize(), n -> {});
        return p.nllSum() / p.nPredictions();
    }

    private static Map<String, NDArray> weightArrays(Map<String, Parameter> params) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        params.forEach((k, p) -> out.put(k, p.getArray()));
        return out;
    }

    /**
     * Copies a state dict (HF keys, with or without {@code model.}) into the parameters in place.
     */
    static void loadWeights(Map<String, RawTensor> sd, Map<String, Parameter> params) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            RawTensor t = sd.get("model." + e.getKey());
            if (t == null) {
                t = sd.get(e.getKey());
            }
            if (t == null) {
                throw new IllegalStateException("state dict has no tensor for " + e.getKey());
            }
            NDArray dst = e.getValue().getArray();
            if (!Arrays.equals(t.shape(), dst.getShape().getShape())) {
                throw new IllegalStateException(
                        e.getKey()
                                + ": shape "
                                + Arrays.toString(t.shape())
                                + " vs "
                                + dst.getShape());
            }
            try (NDManager m = dst.getManager().newSubManager()) {
                NDArray src = m.create(FloatBuffer.wrap(t.toFloats()), dst.getShape());
                dst.set(new NDIndex("..."), src);
            }
        }
    }
}
