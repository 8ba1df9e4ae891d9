package dev.ouroboros.harness.train;

import static dev.ouroboros.models.TokenIds.toLong;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import dev.ouroboros.datasets.BlockSource;
import dev.ouroboros.eval.BlocksPerplexity;
import dev.ouroboros.eval.Perplexity;
import dev.ouroboros.harness.base.Progress;
import dev.ouroboros.harness.base.StopRequest;
import dev.ouroboros.harness.config.Training;
import dev.ouroboros.models.CrashPoint;
import dev.ouroboros.models.FiniteWeights;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptWeights;
import dev.ouroboros.models.Precision;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.RawTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 *
 * <p>Host syncs: a step is queued on the device ({@link TrainStep#launch}) and its figures (loss,
 * gradient norm, fp16 skip) are read in one go for all the steps since the last read, at the next
 * log line, checkpoint or epoch end; that read is also where a NaN/inf loss or gradient norm stops
 * the run (the step it happened at changed no parameter, and no checkpoint is written after it).
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    /** Hooks for tests and tools; every method has a no-op default. */
    public interface Listener {
        /** Before optimizer step {@code step} (0-based). */
        default void beforeStep(long step, LanguageModel model) {}

        /**
         * Optimizer step {@code step} was queued (the model holds its update; its figures are read
         * only if {@link #wantsFigures} said so or a log line, checkpoint or epoch end is due).
         */
        default void afterStep(long step) {}

        /**
         * Step {@code step}'s figures, once read: at the latest at the next log line, checkpoint or
         * epoch end, in step order.
         */
        default void stepFigures(long step, TrainStep.Result r) {}

        /** Whether step {@code step}'s figures are wanted right after it (a host sync then). */
        default boolean wantsFigures(long step) {
            return false;
        }

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
        this.precision = checkPrecision(cfg.precision().fixed(), model.device());
        TrainChecks.data(train, validation, model.config().maxPositionEmbeddings());
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

    /** {@link TrainChecks#precision}: kept here for the callers that check before training. */
    public static Precision checkPrecision(Precision p, Device device) {
        return TrainChecks.precision(p, device);
    }

    public int stepsPerEpoch() {
        return cfg.train().stepsPerEpoch(train.count());
    }

    public long totalSteps() {
        return cfg.train().totalSteps(train.count());
    }

    /** Block order of epoch {@code epoch} (0-based) for a run seeded {@code seed}. */
    public static int[] epochOrder(long seed, int epoch, int n) {
        return EpochOrders.shuffled(seed, epoch, n);
    }

    /** The objects one {@link #run} works with. */
    private record Run(
            long total,
            int stepsPerEpoch,
            String fingerprint,
            LrSchedule schedule,
            CheckpointStore store,
            AdamW opt,
            LossScaler scaler,
            TrainLog log,
            LogWindow window,
            NDManager pendingStats,
            List<TrainStep.Pending> pending) {}

    public Result run() {
        long t0 = System.nanoTime();
        ai.djl.engine.Engine.getInstance();
        // grad mode is thread-local and on by default off the engine's thread
        // (docs/design.md#grad-mode-per-thread)
        JniUtils.setGradMode(false);
        Runnable restoreAttention = Determinism.forTraining(model, console);
        try {
            return train(t0);
        } finally {
            restoreAttention.run();
        }
    }

    private Result train(long t0) {
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
        if (resumedFrom >= 0) { // a loaded model was checked at load; a checkpoint is checked here
            requireFiniteCheckpoint(store, resumedFrom, params);
        }
        try (TrainLog log = new TrainLog(runDir.resolve("train.jsonl"), state.step, console);
                NDManager pendingStats = model.manager().newSubManager();
                Progress bar =
                        System.console() != null ? new Progress("train", "steps", total) : null) {
            Run run =
                    new Run(
                            total,
                            stepsPerEpoch(),
                            fingerprint,
                            LrSchedule.of(cfg.schedule(), o.lr(), total, stepsPerEpoch()),
                            store,
                            opt,
                            scaler,
                            log,
                            new LogWindow(state.step),
                            pendingStats,
                            new ArrayList<>());
            if (resumedFrom < 0) {
                log.initialEval(state.initialValLoss);
            }
            try (StopRequest.Polling polling = StopRequest.polling()) {
                loop(run, state, bar);
            }
        } finally {
            scaler.close();
        }
        if (state.bestWeights != null) {
            Map<String, RawTensor> byKey = new LinkedHashMap<>();
            for (RawTensor t : state.bestWeights) {
                byKey.put(t.name(), t);
            }
            OptWeights.copyInto(byKey, params);
        }
        opt.close();
        requireFiniteResult(state, store, params);
        return new Result(
                state.step,
                resumedFrom,
                state.initialValLoss,
                state.bestEpoch,
                state.bestValLoss,
                List.copyOf(state.history),
                (System.nanoTime() - t0) / 1e9);
    }

    /** The latest checkpoint's state (weights, AdamW and scaler loaded), or a fresh one. */
    private TrainingState startOrResume(
            CheckpointStore store,
            String fingerprint,
            Map<String, Parameter> params,
            AdamW opt,
            LossScaler scaler,
            long total) {
        if (!cfg.checkpoint().resume()) {
            store.deleteAll();
        }
        Optional<TrainingState> resumed =
                cfg.checkpoint().resume()
                        ? TrainingState.resume(store, fingerprint, params, opt, scaler)
                        : Optional.empty();
        resumed.ifPresent(
                s ->
                        console.accept(
                                "resuming from "
                                        + store.root()
                                                .resolve("step-" + String.format("%08d", s.step))
                                        + " (step "
                                        + s.step
                                        + "/"
                                        + total
                                        + ")"));
        return resumed.orElseGet(() -> TrainingState.fresh(validate()));
    }

    private void loop(Run run, TrainingState state, Progress bar) {
        int[] order = null;
        int orderEpoch = -1;
        while (state.step < run.total()) {
            int epoch = (int) (state.step / run.stepsPerEpoch());
            if (epoch != orderEpoch) {
                order = EpochOrders.of(cfg.train().shuffle(), seed, epoch, train.count());
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
            queueStep(run, state, microBatches(order, from, to), lr);
            long tokens = (long) (to - from) * train.blockSize();
            state.stepQueued(tokens);
            run.window().tokens(tokens);
            CrashPoint.here("train-step");
            if (bar != null) {
                bar.update(state.step);
            }
            boolean logNow = state.step % cfg.log().everySteps() == 0 || state.step == run.total();
            boolean epochEnd = state.step % run.stepsPerEpoch() == 0 || state.step == run.total();
            boolean checkpointNow = epochEnd || state.step % cfg.checkpoint().everySteps() == 0;
            if (logNow || epochEnd || checkpointNow || listener.wantsFigures(state.step - 1)) {
                readFigures(run, state);
            }
            listener.afterStep(state.step - 1);
            if (logNow) {
                run.window()
                        .write(
                                run.log(),
                                state.step,
                                run.total(),
                                epoch + 1,
                                lr,
                                state.tokensSeen,
                                model.parameterCount(),
                                model.device().isGpu() ? cfg.log().peakTflops() : 0,
                                run.scaler());
            }
            CheckpointStore.EpochRecord rec = epochEnd ? endEpoch(run, state, epoch) : null;
            if (checkpointNow) {
                checkpoint(run, state);
            }
            if (rec != null) {
                listener.afterEpoch(rec);
            }
            if (StopRequest.requested()) {
                stop(run, state);
            }
        }
    }

    /** A stop request (SIGTERM): checkpoints the step just finished (unless done) and stops. */
    private void stop(Run run, TrainingState state) {
        if (state.lastCheckpoint != state.step) {
            readFigures(run, state); // the checkpoint holds every step's figures, as at a log line
            checkpoint(run, state);
        }
        throw new StopRequest.Stopped(
                "stopped at step "
                        + state.step
                        + "/"
                        + run.total()
                        + " with a checkpoint in "
                        + run.store().root()
                        + " (resume continues from it)");
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

    /**
     * Queues one optimizer step on the device; its figures are read later ({@link #readFigures}).
     */
    private void queueStep(Run run, TrainingState state, List<long[][]> microBatches, double lr) {
        listener.beforeStep(state.step, model);
        run.pending()
                .add(
                        TrainStep.launch(
                                model,
                                run.opt(),
                                microBatches,
                                lr,
                                cfg.optim().maxGradNorm(),
                                TrainStep.dropoutSeed(seed, state.step),
                                precision,
                                run.scaler(),
                                run.pendingStats()));
    }

    /**
     * Reads the figures of every step queued since the last read (one host sync), in step order:
     * into the log window, the epoch loss and the listener; a non-finite loss or gradient norm is
     * logged and ends the run.
     */
    private void readFigures(Run run, TrainingState state) {
        List<TrainStep.Result> rs = TrainStep.readAll(run.pending());
        long first = state.step - rs.size();
        run.pending().clear();
        for (int k = 0; k < rs.size(); k++) {
            TrainStep.Result r = rs.get(k);
            try {
                TrainStep.check(r);
            } catch (TrainStep.NonFinite nf) {
                throw diverged(run, state, first + k + 1, nf);
            }
            run.window().add(r);
            state.addLoss(r);
            listener.stepFigures(first + k, r);
        }
    }

    private TrainingDivergedException diverged(
            Run run, TrainingState state, long step, TrainStep.NonFinite nf) {
        run.log().diverged(step, nf.what, nf.value);
        Map<String, Parameter> params = model.block().parametersByName();
        String bad = FiniteWeights.firstNonFinite(params);
        return new TrainingDivergedException(
                step,
                nf.what,
                nf.value,
                state.lastCheckpoint,
                run.store().root().toString(),
                bad,
                bad == null ? FiniteWeights.largest(params) : null);
    }

    /**
     * The checkpoint a run resumed from holds only finite weights (one host read): one that does
     * not was written after an update that overflowed, or was corrupted on disk.
     */
    private static void requireFiniteCheckpoint(
            CheckpointStore store, long step, Map<String, Parameter> params) {
        String bad = FiniteWeights.firstNonFinite(params);
        if (bad != null) {
            throw new UserInputException(
                    store.root().resolve(String.format("step-%08d", step))
                            + ": the checkpoint's weight "
                            + bad
                            + " holds NaN or an infinity (written after an update that"
                            + " overflowed, or corrupted on disk); delete "
                            + store.root()
                            + " to train this generation again from its start (with a lower"
                            + " optim.lr if it diverged)");
        }
    }

    /**
     * The weights training ends with are finite (one host read): the last steps' losses and
     * gradients can be finite while their update overflows a weight, which would otherwise fail
     * later, deep in synthesis or evaluation.
     */
    private void requireFiniteResult(
            TrainingState state, CheckpointStore store, Map<String, Parameter> params) {
        String bad = FiniteWeights.firstNonFinite(params);
        if (bad != null) {
            throw new TrainingDivergedException(
                    state.step,
                    "weight " + bad + " after the update",
                    Double.NaN,
                    state.lastCheckpoint,
                    store.root().toString(),
                    null);
        }
    }

    /** Validates the epoch just finished, keeps its weights if best, logs the epoch row. */
    private CheckpointStore.EpochRecord endEpoch(Run run, TrainingState state, int epoch) {
        double val = validate();
        if (Double.isInfinite(val) || (Double.isNaN(val) && validation.count() > 0)) {
            throw new TrainingDivergedException(
                    state.step,
                    "the validation loss after epoch " + (epoch + 1),
                    val,
                    state.lastCheckpoint,
                    run.store().root().toString(),
                    FiniteWeights.firstNonFinite(model.block().parametersByName()));
        }
        boolean best = state.improves(val);
        if (best) {
            List<RawTensor> weights = OptWeights.stateDict(model.block());
            state.best(epoch + 1, val, weights, run.store().writeBest(epoch + 1, weights));
        }
        CheckpointStore.EpochRecord rec = state.endEpoch(epoch + 1, val, best);
        run.log().epochDone(state.step, rec, TrainLog.rssBytes());
        return rec;
    }

    private void checkpoint(Run run, TrainingState state) {
        CheckpointStore.State st =
                state.toCheckpoint(run.fingerprint(), seed, run.opt().steps(), run.scaler());
        run.store().save(st, OptWeights.stateDict(model.block()), run.opt().stateTensors());
        state.checkpointed();
        run.log().checkpointed(state.step);
    }

    /** Mean NLL per prediction on the validation blocks (protocol {@code blocks}). */
    double validate() {
        BlocksPerplexity p =
                Perplexity.blocks(model, validation, cfg.train().evalBatchSize(), n -> {});
        return p.nllSum() / p.nPredictions();
    }
}
