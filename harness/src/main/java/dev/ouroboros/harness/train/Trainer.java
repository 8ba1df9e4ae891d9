package dev.ouroboros.harness.train;

import static dev.ouroboros.models.TokenIds.toLong;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.datasets.BlockSource;
import dev.ouroboros.eval.BlocksPerplexity;
import dev.ouroboros.eval.Perplexity;
import dev.ouroboros.harness.base.Progress;
import dev.ouroboros.harness.config.Training;
import dev.ouroboros.models.CrashPoint;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.NativeTensors;
import dev.ouroboros.models.OptWeights;
import dev.ouroboros.models.Precision;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.RawTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link LanguageModel} in place on token blocks: seeded per-epoch shuffling,
 * micro-batches with gradient accumulation, global-norm clipping and {@link AdamW} ({@link
 * TrainStep}), an LR {@link LrSchedule}, validation after every epoch (protocol {@code blocks}),
 * the best epoch kept, resumable checkpoints ({@link CheckpointStore}) and a step log ({@code
 * train.jsonl}). When {@link #run} returns, the model holds the best epoch's weights.
 *
 * <p>Blocks are read from their {@link BlockSource} one batch at a time (a memory-mapped synthetic
 * set is never copied to the heap as a whole).
 *
 * <p>Data order: epoch {@code e} visits the training blocks in a Fisher–Yates permutation drawn
 * from {@code SplittableRandom(mix(seed, e))} (in file order with {@code train.shuffle: false});
 * step {@code i} of the epoch takes positions {@code [i·batch, (i+1)·batch)}; the last batch of an
 * epoch may be smaller (not dropped). {@code train.write_order: true} records each epoch's order in
 * {@code order.jsonl} ({@link EpochOrders}).
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    /** Hooks for tests and tools; every method has a no-op default. */
    public interface Listener {
        /** Before optimizer step {@code step} (0-based). */
        default void beforeStep(long step, LanguageModel model) {}

        default void afterStep(long step, TrainStep.Result r) {}

        /** The training blocks (indices into them) optimizer step {@code step} is about to see. */
        default void batch(long step, int[] blocks) {}

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

    private final Training cfg;
    private final long seed;
    private final LanguageModel model;
    private final BlockSource train;
    private final BlockSource validation;
    private final Path runDir;
    private final Precision precision;
    private Listener listener = new Listener() {};
    private Consumer<String> console = LOG::info;

    /**
     * @param seed the data order, dropout masks (and nothing else: the model is already made)
     * @param runDir where {@code train.jsonl} and {@code checkpoint/} go
     */
    public Trainer(
            Training cfg,
            long seed,
            LanguageModel model,
            BlockSource train,
            BlockSource validation,
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
        if (train.blockSize() < 2 || validation.blockSize() < 2) {
            throw new UserInputException(
                    "data.block_size "
                            + Math.min(train.blockSize(), validation.blockSize())
                            + ": training needs blocks of at least 2 tokens (a block of one has no"
                            + " next token to predict)");
        }
        if (train.blockSize() > model.config().maxPositionEmbeddings()) {
            throw new UserInputException(
                    "data.block_size "
                            + train.blockSize()
                            + " exceeds the model's max_position_embeddings "
                            + model.config().maxPositionEmbeddings());
        }
        this.cfg = cfg;
        this.seed = seed;
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
    public static Precision checkPrecision(Precision p, Device device) {
        if (p == Precision.FP16 && !device.isGpu()) {
            LOG.warn(
                    "precision fp16 on the CPU: libtorch's CPU fp16 kernels are very slow (~40x"
                            + " fp32 measured); use fp32 or bf16");
        }
        return p;
    }

    public int stepsPerEpoch() {
        return cfg.train().stepsPerEpoch(train.count());
    }

    public long totalSteps() {
        return cfg.train().totalSteps(train.count());
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

    /** {@code 0, 1, …, n-1}: the blocks in file order ({@code train.shuffle: false}). */
    static int[] fileOrder(int n) {
        return java.util.stream.IntStream.range(0, n).toArray();
    }

    /** The objects one {@link #run} works with. */
    private record Run(
            long total,
            int stepsPerEpoch,
            String fingerprint,
            LrSchedule schedule,
            Map<String, Parameter> params,
            CheckpointStore store,
            AdamW opt,
            LossScaler scaler,
            TrainLog log) {}

    public Result run() {
        long t0 = System.nanoTime();
        ai.djl.engine.Engine.getInstance();
        // grad mode is thread-local and on by default off the engine's thread
        // (docs/design.md#grad-mode-per-thread)
        JniUtils.setGradMode(false);
        int spe = stepsPerEpoch();
        long total = totalSteps();
        String fingerprint = cfg.fingerprint(seed, model.config(), train, validation);
        Map<String, Parameter> params = model.block().parametersByName();
        CheckpointStore store = new CheckpointStore(runDir.resolve("checkpoint"));
        Optim o = cfg.optim();
        AdamW opt = new AdamW(model.manager(), o.beta1(), o.beta2(), o.eps(), o.weightDecay());
        LossScaler scaler =
                LossScaler.of(precision, o.lossScaleInit(), o.lossScaleGrowthInterval());
        TrainingState state = startOrResume(store, fingerprint, params, opt, scaler, total);
        long resumedFrom = state.lastCheckpoint; // -1 = a fresh run
        boolean fresh = resumedFrom < 0;
        try (TrainLog log = new TrainLog(runDir.resolve("train.jsonl"), state.step, console);
                Progress bar =
                        System.console() != null ? new Progress("train", "steps", total) : null) {
            Run run =
                    new Run(
                            total,
                            spe,
                            fingerprint,
                            LrSchedule.of(cfg.schedule(), o.lr(), total, spe),
                            params,
                            store,
                            opt,
                            scaler,
                            log);
            if (fresh) {
                ObjectNode row = log.row("eval");
                double v = state.initialValLoss;
                row.put("step", 0).put("epoch", 0).put("val_loss", v).put("val_ppl", Math.exp(v));
                log.write(
                        row,
                        String.format(
                                Locale.ROOT,
                                "epoch 0 (before training) | val loss %.4f | val ppl %.2f",
                                v,
                                Math.exp(v)));
            }
            loop(run, state, bar);
        }
        if (state.bestWeights != null) {
            Map<String, RawTensor> byKey = new LinkedHashMap<>();
            for (RawTensor t : state.bestWeights) {
                byKey.put(t.name(), t);
            }
            loadWeights(byKey, params);
        }
        opt.close();
        return new Result(
                state.step,
                resumedFrom,
                state.initialValLoss,
                state.bestEpoch,
                state.bestValLoss,
                List.copyOf(state.history),
                (System.nanoTime() - t0) / 1e9);
    }

    /** The latest checkpoint's state (weights and AdamW loaded), or a fresh one. */
    private TrainingState startOrResume(
            CheckpointStore store,
            String fingerprint,
            Map<String, Parameter> params,
            AdamW opt,
            LossScaler scaler,
            long total) {
        if (!cfg.checkpoint().resume()) {
            store.deleteAll();
            return TrainingState.fresh(validate());
        }
        Optional<CheckpointStore.Loaded> found = store.latest();
        if (found.isEmpty()) {
            return TrainingState.fresh(validate());
        }
        CheckpointStore.State st = found.get().state();
        if (!st.configHash().equals(fingerprint)) {
            throw new UserInputException(
                    store.root()
                            + ": the checkpoint was written by a run with a different config (hash "
                            + st.configHash()
                            + ", now "
                            + fingerprint
                            + "); use another `out` or set checkpoint.resume=false to start over");
        }
        loadWeights(found.get().weights(), params);
        opt.load(found.get().adamw(), st.adamwSteps(), weightArrays(params));
        if (st.version() >= 2) {
            scaler.restore(st.lossScale(), st.lossScaleGoodSteps());
        }
        TrainingState s = TrainingState.fromCheckpoint(st, store);
        console.accept(
                "resuming from " + found.get().dir() + " (step " + s.step + "/" + total + ")");
        return s;
    }

    private void loop(Run run, TrainingState state, Progress bar) {
        LogWindow window = new LogWindow(state.step);
        int[] order = null;
        int orderEpoch = -1;
        while (state.step < run.total()) {
            int epoch = (int) (state.step / run.stepsPerEpoch());
            if (epoch != orderEpoch) {
                order =
                        cfg.train().shuffle()
                                ? epochOrder(seed, epoch, train.count())
                                : fileOrder(train.count());
                orderEpoch = epoch;
                if (cfg.train().writeOrder()) {
                    EpochOrders.record(runDir.resolve(EpochOrders.FILE), epoch, order);
                }
            }
            int i = (int) (state.step % run.stepsPerEpoch());
            int from = i * cfg.train().batchSize();
            int to = Math.min(train.count(), from + cfg.train().batchSize());
            double lr = run.schedule().at(state.step);
            listener.batch(state.step, Arrays.copyOfRange(order, from, to));
            TrainStep.Result r = step(run, state, microBatches(order, from, to), lr);
            state.step++;
            long tokens = (long) (to - from) * train.blockSize();
            state.tokensSeen += tokens;
            state.epochLossSum += r.loss();
            state.epochLossSteps++;
            window.add(tokens, r);
            listener.afterStep(state.step - 1, r);
            CrashPoint.here("train-step");
            if (bar != null) {
                bar.update(state.step);
            }
            if (state.step % cfg.log().everySteps() == 0 || state.step == run.total()) {
                logWindow(run, state, window, epoch, lr);
            }
            boolean epochEnd = state.step % run.stepsPerEpoch() == 0 || state.step == run.total();
            CheckpointStore.EpochRecord rec = epochEnd ? endEpoch(run, state, epoch) : null;
            if (epochEnd || state.step % cfg.checkpoint().everySteps() == 0) {
                checkpoint(run, state);
            }
            if (rec != null) {
                listener.afterEpoch(rec);
            }
        }
    }

    /** Positions {@code [from, to)} of the epoch's order, as micro-batches of token ids. */
    private List<long[][]> microBatches(int[] order, int from, int to) {
        int micro = cfg.train().microBatchSize();
        List<long[][]> out = new ArrayList<>();
        for (int s = from; s < to; s += micro) {
            int e = Math.min(to, s + micro);
            long[][] rows = new long[e - s][];
            for (int r = s; r < e; r++) {
                rows[r - s] = toLong(train.block(order[r]));
            }
            out.add(rows);
        }
        return out;
    }

    /** One optimizer step; a non-finite loss or gradient is logged and ends the run. */
    private TrainStep.Result step(
            Run run, TrainingState state, List<long[][]> microBatches, double lr) {
        listener.beforeStep(state.step, model);
        try {
            return TrainStep.run(
                    model,
                    run.opt(),
                    microBatches,
                    lr,
                    cfg.optim().maxGradNorm(),
                    TrainStep.dropoutSeed(seed, state.step),
                    precision,
                    run.scaler());
        } catch (TrainStep.NonFinite nf) {
            ObjectNode row = run.log().row("diverged");
            row.put("step", state.step + 1)
                    .put("what", nf.what)
                    .put("value", String.valueOf(nf.value));
            run.log().write(row, null);
            throw new TrainingDivergedException(
                    state.step + 1,
                    nf.what,
                    nf.value,
                    state.lastCheckpoint,
                    run.store().root().toString(),
                    NonFiniteWeights.first(model));
        }
    }

    /** The steps since the last log line: tokens, mean loss, skipped fp16 steps. */
    private static final class LogWindow {
        final long runStartStep;
        final long runStartNanos = System.nanoTime();
        long start = System.nanoTime();
        long tokens;
        double loss;
        int steps;
        int skipped;

        /** Of the last applied step (fp16 skips report none). */
        double lastNorm = Double.NaN;

        LogWindow(long runStartStep) {
            this.runStartStep = runStartStep;
        }

        void add(long stepTokens, TrainStep.Result r) {
            tokens += stepTokens;
            loss += r.loss();
            steps++;
            if (r.skipped()) {
                skipped++;
            } else {
                lastNorm = r.gradNorm();
            }
        }

        void reset() {
            skipped = 0;
            start = System.nanoTime();
            tokens = 0;
            loss = 0;
            steps = 0;
        }
    }

    private void logWindow(Run run, TrainingState state, LogWindow w, int epoch, double lr) {
        long step = state.step;
        double secs = Math.max(1e-9, (System.nanoTime() - w.start) / 1e9);
        double tps = w.tokens / secs;
        double perStep = (System.nanoTime() - w.runStartNanos) / 1e9 / (step - w.runStartStep);
        double eta = perStep * (run.total() - step);
        long rss = TrainLog.rssBytes();
        Double mfu =
                model.device().isGpu() && cfg.log().peakTflops() > 0
                        ? 6.0 * model.parameterCount() * tps / (cfg.log().peakTflops() * 1e12)
                        : null;
        double meanLoss = w.loss / w.steps;
        ObjectNode row = run.log().row("train");
        row.put("step", step)
                .put("total_steps", run.total())
                .put("epoch", epoch + 1)
                .put("loss", meanLoss)
                .put("lr", lr)
                .put("tokens_per_s", tps)
                .put("rss_bytes", rss)
                .put("eta_s", eta)
                .put("tokens_seen", state.tokensSeen);
        if (Double.isFinite(w.lastNorm)) {
            row.put("grad_norm", w.lastNorm);
        } else {
            row.putNull("grad_norm");
        }
        if (mfu != null) {
            row.put("mfu", mfu);
        }
        String line =
                TrainLog.stepLine(
                        step, run.total(), epoch + 1, meanLoss, lr, w.lastNorm, tps, rss, eta, mfu);
        LossScaler scaler = run.scaler();
        if (scaler.enabled()) {
            row.put("loss_scale", scaler.scale()).put("skipped_steps", w.skipped);
            line +=
                    String.format(
                            Locale.ROOT, " | scale %.0f | skipped %d", scaler.scale(), w.skipped);
        }
        run.log().write(row, line);
        w.reset();
    }

    /** Validates the epoch just finished, keeps its weights if best, logs the epoch row. */
    private CheckpointStore.EpochRecord endEpoch(Run run, TrainingState state, int epoch) {
        double val = validate();
        boolean best = val < state.bestValLoss;
        if (best) {
            state.bestValLoss = val;
            state.bestEpoch = epoch + 1;
            state.bestWeights = OptWeights.stateDict(model.block());
            state.bestFile = run.store().writeBest(state.bestEpoch, state.bestWeights);
        }
        double trainLoss = state.epochLossSum / Math.max(1, state.epochLossSteps);
        CheckpointStore.EpochRecord rec =
                new CheckpointStore.EpochRecord(epoch + 1, state.step, trainLoss, val, best);
        state.history.add(rec);
        state.epochLossSum = 0;
        state.epochLossSteps = 0;
        ObjectNode row = run.log().row("eval");
        row.put("step", state.step)
                .put("epoch", epoch + 1)
                .put("train_loss", trainLoss)
                .put("val_loss", val)
                .put("val_ppl", Math.exp(val))
                .put("best", best)
                .put("rss_bytes", TrainLog.rssBytes());
        run.log()
                .write(
                        row,
                        String.format(
                                Locale.ROOT,
                                "epoch %d done | train loss %.4f | val loss %.4f | val ppl %.2f%s",
                                epoch + 1,
                                trainLoss,
                                val,
                                Math.exp(val),
                                best ? " | best so far" : ""));
        return rec;
    }

    private void checkpoint(Run run, TrainingState state) {
        CheckpointStore.State st =
                state.toCheckpoint(run.fingerprint(), seed, run.opt().steps(), run.scaler());
        run.store().save(st, OptWeights.stateDict(model.block()), run.opt().stateTensors());
        state.lastCheckpoint = state.step;
        ObjectNode row = run.log().row("checkpoint");
        row.put("step", state.step);
        run.log().write(row, null);
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
                NDArray src = NativeTensors.fp32(m, t);
                dst.set(new NDIndex("..."), src);
            }
        }
    }
}
