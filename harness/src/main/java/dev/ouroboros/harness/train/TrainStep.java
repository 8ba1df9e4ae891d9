package dev.ouroboros.harness.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.Precision;
import dev.ouroboros.models.TokenNll;
import dev.ouroboros.models.TorchOps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One optimizer step of next-token training, with no DJL Trainer, Loss or clipping
 * (docs/design.md#djl-workarounds):
 *
 * <ol>
 *   <li>the dropout RNG (torch's global generator) is reseeded from {@code (seed, step)}, so a
 *       resumed run draws the same masks;
 *   <li>each micro-batch of blocks {@code (b, B)} predicts its B−1 next tokens; its summed NLL
 *       divided by the number of predictions in the <em>whole</em> step is back-propagated
 *       (gradients accumulate), so the step's loss is the token-level mean cross-entropy over the
 *       step, however it is split;
 *   <li>the global L2 norm of all gradients is computed (as {@code torch.nn.utils.clip_grad_norm_})
 *       and, when above {@code maxGradNorm}, every gradient is scaled by {@code maxGradNorm / (norm
 *       + 1e-6)};
 *   <li>{@link AdamW} updates every parameter in place and the gradients are zeroed.
 * </ol>
 *
 * <p>Native memory: everything the step creates lives in a per-step sub-manager (each micro-batch
 * in its own sub-manager, closed right after its backward), gradient handles are attached to the
 * step manager (a {@code getGradient()} handle is new on every call), and the tied LM head is
 * {@code Linear.linear(x, wte)} in the model, so nothing is attached to the model's manager
 * (docs/design.md#memory-traps).
 */
public final class TrainStep {
    /**
     * What one step measured. {@code skipped}: fp16 gradients overflowed at loss scale {@code
     * lossScale}, so no parameter changed (the gradient norm is then NaN); {@code lossScale} is 1
     * without loss scaling.
     */
    public record Result(
            double loss, double gradNorm, long predictions, boolean skipped, double lossScale) {}

    /** Raised by {@link #check} when a step's loss or gradient norm is NaN or infinite. */
    static final class NonFinite extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String what;
        final double value;

        NonFinite(String what, double value) {
            super(what + " is " + value);
            this.what = what;
            this.value = value;
        }
    }

    private TrainStep() {}

    /**
     * Dropout seed of step {@code step} of a run seeded {@code seed} (a 64-bit mix folded to an
     * int).
     */
    public static int dropoutSeed(long seed, long step) {
        long z = seed * 0x9E3779B97F4A7C15L + step + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (int) (z ^ (z >>> 32)) & 0x7fffffff;
    }

    /**
     * A step queued on the device whose figures have not been read yet: {@code stats (k + 5)} fp32
     * holds the k micro-batches' NLL sums, the gradient norm, found_inf (1 = non-finite gradients),
     * and the loss scaler's {@code [scale used, scale now, good steps]}. Reading it is the only
     * host sync of a step; {@link #readAll} reads any number of steps in one.
     */
    public static final class Pending {
        private final NDArray stats;
        private final int microBatches;
        private final long predictions;
        private final LossScaler scaler;

        Pending(NDArray stats, int microBatches, long predictions, LossScaler scaler) {
            this.stats = stats;
            this.microBatches = microBatches;
            this.predictions = predictions;
            this.scaler = scaler;
        }

        /** This step's figures (one read; also updates the scaler's host mirror). */
        public Result read() {
            return readAll(List.of(this)).get(0);
        }

        private Result result(float[] all, int at) {
            double lossSum = 0;
            for (int i = 0; i < microBatches; i++) {
                lossSum += all[at + i]; // float → double, summed in micro-batch order, as before
            }
            double norm = all[at + microBatches];
            boolean found = all[at + microBatches + 1] > 0;
            double used = all[at + microBatches + 2];
            scaler.observe(all[at + microBatches + 3], all[at + microBatches + 4]);
            boolean skipped = scaler.enabled() && found;
            return new Result(
                    lossSum / predictions, skipped ? Double.NaN : norm, predictions, skipped, used);
        }

        private int length() {
            return microBatches + 5;
        }
    }

    /**
     * The figures of {@code steps}, in order, with one read (one host sync) for all of them; the
     * stats arrays are closed.
     */
    public static List<Result> readAll(List<Pending> steps) {
        if (steps.isEmpty()) {
            return List.of();
        }
        NDList parts = new NDList(steps.size());
        for (Pending p : steps) {
            parts.add(p.stats);
        }
        float[] all;
        if (steps.size() == 1) {
            all = steps.get(0).stats.toFloatArray();
        } else {
            try (NDArray cat = NDArrays.concat(parts)) {
                all = cat.toFloatArray();
            }
        }
        List<Result> out = new ArrayList<>(steps.size());
        int at = 0;
        for (Pending p : steps) {
            out.add(p.result(all, at));
            at += p.length();
            p.stats.close();
        }
        return out;
    }

    /**
     * Below this loss scale (fp16's smallest subnormal, 2^-24) every scaled gradient flushes to
     * zero: a step skipped there means fp16 overflows whatever the scale (e.g. in the forward), 41
     * skips in a row from the default 2^16.
     */
    static final double MIN_LOSS_SCALE = 0x1p-24;

    /**
     * Throws {@link NonFinite} when a step's loss or (for a step that was not skipped) its gradient
     * norm is not finite. Under fp16 loss scaling a non-finite loss makes non-finite gradients, so
     * the scaler skips that step instead (as GradScaler does): it is not an error, unless the scale
     * the skipped step used was already below {@link #MIN_LOSS_SCALE}.
     */
    public static void check(Result r) {
        if (r.skipped()) {
            if (r.lossScale() < MIN_LOSS_SCALE) {
                throw new NonFinite("the fp16 loss scale (every step overflows)", r.lossScale());
            }
            return;
        }
        if (!Double.isFinite(r.loss())) {
            throw new NonFinite("loss", r.loss());
        }
        if (!Double.isFinite(r.gradNorm())) {
            throw new NonFinite("gradient norm", r.gradNorm());
        }
    }

    /** One fp32 step without loss scaling, read at once. */
    static Result run(
            LanguageModel model,
            AdamW opt,
            List<long[][]> microBatches,
            double lr,
            double maxGradNorm,
            int dropoutSeed) {
        return run(
                model,
                opt,
                microBatches,
                lr,
                maxGradNorm,
                dropoutSeed,
                Precision.FP32,
                LossScaler.disabled());
    }

    /**
     * {@link #launch} and read at once (one host sync): tests and single steps.
     *
     * @throws NonFinite when the loss or the gradient norm is not finite (no parameter has been
     *     changed then)
     */
    public static Result run(
            LanguageModel model,
            AdamW opt,
            List<long[][]> microBatches,
            double lr,
            double maxGradNorm,
            int dropoutSeed,
            Precision precision,
            LossScaler scaler) {
        try (NDManager keep = model.manager().newSubManager()) {
            Result r =
                    launch(
                                    model,
                                    opt,
                                    microBatches,
                                    lr,
                                    maxGradNorm,
                                    dropoutSeed,
                                    precision,
                                    scaler,
                                    keep)
                            .read();
            check(r);
            return r;
        }
    }

    /**
     * Queues one step on the device and returns without waiting for it: the step's blocks go to the
     * device in one upload, and nothing is read back (the loss, norm and skip flag stay on the
     * device in the returned {@link Pending}, attached to {@code keep}). Under fp16/bf16 the
     * forward computes in half precision over the fp32 parameters ({@link
     * dev.ouroboros.models.AutocastStore}); the loss, gradients and update stay fp32. With an
     * enabled {@code scaler} the backward runs on {@code loss · scale}, the gradients are unscaled
     * and checked for inf/NaN in one fused call, and an overflowing step is skipped on the device
     * (no update, AdamW's count unchanged, the scale backed off). A non-finite gradient norm skips
     * the update the same way; {@link #check} then reports it once the figures are read.
     *
     * @param microBatches the step's blocks, split into micro-batches; every row has the same
     *     length
     * @param maxGradNorm clipping threshold; 0 disables clipping (the norm is still measured)
     */
    public static Pending launch(
            LanguageModel model,
            AdamW opt,
            List<long[][]> microBatches,
            double lr,
            double maxGradNorm,
            int dropoutSeed,
            Precision precision,
            LossScaler scaler,
            NDManager keep) {
        Engine.getInstance().setRandomSeed(dropoutSeed);
        Map<String, Parameter> params = model.block().parametersByName();
        StepBatch batch = StepBatch.of(microBatches);
        try (NDManager sm = model.manager().newSubManager()) {
            NDArray all = sm.create(batch.flat()); // the step's only upload
            NDArray predictions = all.get(batch.flat().length - 1); // () int64
            NDList parts = new NDList(microBatches.size() + 2);
            for (int i = 0; i < microBatches.size(); i++) {
                try (NDManager mm = sm.newSubManager()) {
                    NDArray ids = batch.ids(all, i); // (b, B)
                    NDArray targets = batch.targets(all, i); // (b, B), 0 where ignored
                    NDArray valid = batch.valid(all, i); // (b, B) 1 = predicted
                    for (NDArray x : new NDArray[] {ids, targets, valid}) {
                        x.attach(mm); // the model's activations land in ids' manager
                    }
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray logits = model.forward(new NDList(ids), true, precision).get(0);
                        NDArray nll = TokenNll.perPosition(logits, targets, valid).sum(); // ()
                        NDArray part = nll.stopGradient(); // read with the step's figures
                        part.attach(sm);
                        parts.add(part);
                        // a tensor operand, not div(Number): DJL frees a Number operand right
                        // after the op although DivBackward saved it
                        // (docs/design.md#scalar-operands)
                        NDArray objective = nll.div(predictions);
                        gc.backward(
                                scaler.enabled()
                                        ? objective.mul(scaler.scaleTensor(model.manager()))
                                        : objective);
                    }
                }
            }
            JniUtils.setGradMode(false);

            Map<String, NDArray> weights = new LinkedHashMap<>();
            Map<String, NDArray> grads = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray w = e.getValue().getArray();
                NDArray g =
                        w.getGradient(); // a new handle on every call: owned by the step manager
                g.attach(sm);
                weights.put(e.getKey(), w);
                grads.put(e.getKey(), g);
            }
            List<NDArray> gradList = new ArrayList<>(grads.values());
            NDArray found = sm.zeros(new Shape(), DataType.FLOAT32); // () 1 = skip the update
            if (scaler.enabled()) {
                TorchOps.unscale(gradList, found, scaler.scaleTensor(model.manager()));
            }
            parts.add(TorchOps.clipGradNorm(gradList, maxGradNorm, found, sm));
            parts.add(found);
            opt.step(weights, grads, lr, found);
            NDArray scale = scaler.updateOnDevice(found, model.manager(), sm); // (3)
            TorchOps.zero(gradList); // in place on .grad (the handles share its storage)
            NDArray stats = NDArrays.concat(new NDList(NDArrays.stack(parts), scale));
            stats.attach(keep);
            return new Pending(stats, microBatches.size(), batch.predictions(), scaler);
        }
    }

    /**
     * {@code torch.nn.utils.clip_grad_norm_} (one fused libtorch call, {@link
     * TorchOps#clipGradNorm}): the L2 norm over all gradients together; when {@code maxNorm > 0}
     * and the norm exceeds it, every gradient is scaled in place by {@code maxNorm / (norm +
     * 1e-6)}. Reads the norm (a host sync).
     *
     * @return the norm before clipping
     */
    public static double clipGlobalNorm(java.util.Collection<NDArray> grads, double maxNorm) {
        NDManager m = grads.iterator().next().getManager();
        try (NDManager tmp = m.newSubManager()) {
            NDArray found = tmp.zeros(new Shape(), DataType.FLOAT32);
            return TorchOps.clipGradNorm(new ArrayList<>(grads), maxNorm, found, tmp).getFloat();
        }
    }
}
