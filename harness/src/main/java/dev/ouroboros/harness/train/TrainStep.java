package dev.ouroboros.harness.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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

    /** Raised from inside a step when the loss or the gradient norm is NaN or infinite. */
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

    /** One fp32 step without loss scaling. */
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
     * Runs one step. Under fp16/bf16 the forward computes in half precision over the fp32
     * parameters ({@link dev.ouroboros.models.AutocastStore}); the loss, gradients and update stay
     * fp32. With an enabled {@code scaler} the backward runs on {@code loss · scale}, the gradients
     * are unscaled and checked for inf/NaN in one fused call, and an overflowing step is skipped
     * (gradients zeroed, scale backed off) instead of failing.
     *
     * @param microBatches the step's blocks, split into micro-batches; every row has the same
     *     length
     * @param maxGradNorm clipping threshold; 0 disables clipping (the norm is still measured)
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
        Engine.getInstance().setRandomSeed(dropoutSeed);
        Map<String, Parameter> params = model.block().parametersByName();
        long predictions = 0;
        for (long[][] mb : microBatches) {
            for (long[] row : mb) {
                predictions += row.length - 1;
            }
        }
        try (NDManager sm = model.manager().newSubManager()) {
            double lossSum = 0;
            for (long[][] mb : microBatches) {
                try (NDManager mm = sm.newSubManager()) {
                    NDList in = LanguageModel.unpadded(mm, mb);
                    NDArray targets = mm.create(TokenNll.shiftedTargets(mb));
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray logits = model.forward(in, true, precision).get(0);
                        NDArray nll = TokenNll.perPosition(logits, targets).sum();
                        double part = nll.getFloat();
                        if (!Double.isFinite(part)) {
                            throw new NonFinite("loss", part);
                        }
                        lossSum += part;
                        // a tensor in the micro-batch manager, not div(Number): DJL frees a Number
                        // operand right after the op
                        // although DivBackward saved it (a use-after-free during backward)
                        NDArray objective = nll.div(mm.create((float) predictions));
                        gc.backward(
                                scaler.enabled()
                                        ? objective.mul(mm.create((float) scaler.scale()))
                                        : objective);
                    }
                }
            }
            JniUtils.setGradMode(false);
            double loss = lossSum / predictions;

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
            double scale = scaler.scale();
            if (scaler.enabled()) {
                boolean overflow = TorchOps.unscale(new ArrayList<>(grads.values()), 1.0 / scale);
                scaler.update(overflow);
                if (overflow) {
                    zero(grads);
                    return new Result(loss, Double.NaN, predictions, true, scale);
                }
            }
            double norm = clipGlobalNorm(grads.values(), maxGradNorm);
            if (!Double.isFinite(norm)) {
                zero(grads);
                throw new NonFinite("gradient norm", norm);
            }
            opt.step(weights, grads, lr);
            zero(grads);
            return new Result(loss, norm, predictions, false, scale);
        }
    }

    /**
     * {@code torch.nn.utils.clip_grad_norm_} (one fused libtorch call, {@link
     * TorchOps#clipGradNorm}): the L2 norm over all gradients together; when {@code maxNorm > 0}
     * and the norm exceeds it, every gradient is scaled in place by {@code maxNorm / (norm +
     * 1e-6)}. Non-finite norms leave the gradients untouched.
     *
     * @return the norm before clipping
     */
    public static double clipGlobalNorm(java.util.Collection<NDArray> grads, double maxNorm) {
        return TorchOps.clipGradNorm(new ArrayList<>(grads), maxNorm);
    }

    private static void zero(Map<String, NDArray> grads) {
        TorchOps.zero(
                new ArrayList<>(
                        grads.values())); // in place on .grad (the handles share its storage)
    }
}
