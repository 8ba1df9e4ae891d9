package dev.ouroboros.harness.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import dev.ouroboros.models.OptWeights;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.RawTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a training run carries from step to step besides weights and AdamW moments: the step
 * (which is also the data cursor and RNG state: order and dropout are functions of (seed, step)),
 * the best epoch so far, the running epoch loss and the epoch history. {@link #toCheckpoint} and
 * {@link #fromCheckpoint} convert it to and from {@link CheckpointStore.State}.
 */
final class TrainingState {
    long step;
    double initialValLoss;
    int bestEpoch = -1;
    double bestValLoss = Double.POSITIVE_INFINITY;

    /** The best epoch's weights file in the store, or null before the first epoch. */
    String bestFile;

    /** The best epoch's weights (in memory, so the end of the run needs no read). */
    List<RawTensor> bestWeights;

    long tokensSeen;
    double epochLossSum;
    long epochLossSteps;
    final List<CheckpointStore.EpochRecord> history = new ArrayList<>();

    /** The step of the last checkpoint written or resumed from; -1 = none. */
    long lastCheckpoint = -1;

    /** A new run, validated once before training. */
    static TrainingState fresh(double initialValLoss) {
        TrainingState s = new TrainingState();
        s.initialValLoss = initialValLoss;
        return s;
    }

    /**
     * The newest complete checkpoint in {@code store}, loaded into the parameters, {@code opt} and
     * {@code scaler}; empty when there is none. A checkpoint of another config is refused.
     */
    static Optional<TrainingState> resume(
            CheckpointStore store,
            String fingerprint,
            Map<String, Parameter> params,
            AdamW opt,
            LossScaler scaler) {
        Optional<CheckpointStore.Loaded> found = store.latest();
        if (found.isEmpty()) {
            return Optional.empty();
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
        OptWeights.copyInto(found.get().weights(), params);
        Map<String, NDArray> weights = new LinkedHashMap<>();
        params.forEach((k, p) -> weights.put(k, p.getArray()));
        opt.load(found.get().adamw(), st.adamwSteps(), weights);
        if (st.version() >= 2) {
            scaler.restore(st.lossScale(), st.lossScaleGoodSteps());
        }
        return Optional.of(fromCheckpoint(st, store));
    }

    /** The state a checkpoint recorded (the best weights read from {@code store}). */
    static TrainingState fromCheckpoint(CheckpointStore.State st, CheckpointStore store) {
        TrainingState s = new TrainingState();
        s.step = st.step();
        s.lastCheckpoint = st.step();
        s.initialValLoss = st.initialValLoss();
        s.bestEpoch = st.bestEpoch();
        s.bestValLoss = st.bestEpoch() >= 0 ? st.bestValLoss() : Double.POSITIVE_INFINITY;
        s.bestFile = st.bestFile();
        if (s.bestFile != null) {
            s.bestWeights = new ArrayList<>(store.readBest(s.bestFile).values());
        }
        s.tokensSeen = st.tokensSeen();
        s.epochLossSum = st.epochLossSum();
        s.epochLossSteps = st.epochLossSteps();
        s.history.addAll(st.history());
        return s;
    }

    /** Optimizer step {@code step} was queued on {@code tokens} tokens. */
    void stepQueued(long tokens) {
        step++;
        tokensSeen += tokens;
    }

    /**
     * A step's loss joins the epoch's mean (but the non-finite loss of a step the fp16 scaler
     * skipped: that overflow is what the skip handled).
     */
    void addLoss(TrainStep.Result r) {
        if (!r.skipped() || Double.isFinite(r.loss())) {
            epochLossSum += r.loss();
            epochLossSteps++;
        }
    }

    /** Whether validation loss {@code val} beats the best epoch so far. */
    boolean improves(double val) {
        return val < bestValLoss;
    }

    /**
     * Epoch {@code epoch} (1-based) is the best so far, its weights kept in memory and {@code
     * file}.
     */
    void best(int epoch, double val, List<RawTensor> weights, String file) {
        bestEpoch = epoch;
        bestValLoss = val;
        bestWeights = weights;
        bestFile = file;
    }

    /**
     * Closes epoch {@code epoch} (1-based) with its validation loss: its record, kept in the
     * history.
     */
    CheckpointStore.EpochRecord endEpoch(int epoch, double val, boolean best) {
        double trainLoss = epochLossSum / Math.max(1, epochLossSteps);
        CheckpointStore.EpochRecord rec =
                new CheckpointStore.EpochRecord(epoch, step, trainLoss, val, best);
        history.add(rec);
        epochLossSum = 0;
        epochLossSteps = 0;
        return rec;
    }

    /** A checkpoint of the current step was written. */
    void checkpointed() {
        lastCheckpoint = step;
    }

    CheckpointStore.State toCheckpoint(
            String fingerprint, long seed, long optimizerSteps, LossScaler scaler) {
        return new CheckpointStore.State(
                CheckpointStore.State.VERSION,
                step,
                fingerprint,
                seed,
                bestEpoch,
                bestEpoch >= 0 ? bestValLoss : 0.0,
                bestFile,
                initialValLoss,
                tokensSeen,
                epochLossSum,
                epochLossSteps,
                List.copyOf(history),
                optimizerSteps,
                scaler.scale(),
                scaler.goodSteps());
    }
}
