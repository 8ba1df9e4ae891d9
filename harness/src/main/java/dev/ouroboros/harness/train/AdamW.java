package dev.ouroboros.harness.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ouroboros.models.NativeTensors;
import dev.ouroboros.models.TorchOps;
import dev.ouroboros.models.io.RawTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW with the semantics of {@code torch.optim.AdamW} ({@code amsgrad=False}, {@code
 * maximize=False}), run by libtorch's fused kernel ({@code torch._fused_adamw_}, what {@code
 * AdamW(fused=True)} calls) through {@link TorchOps}: DJL's own AdamW applies eps before bias
 * correction and cannot save its state (docs/design.md#optimizer); the update written with DJL ops
 * costs ~10 JNI calls per parameter tensor. For step {@code t} (1-based), per parameter:
 *
 * <pre>
 *   p     ← p · (1 − lr·wd)                       (decoupled decay; wd = 0 for no-decay parameters)
 *   m     ← β1·m + (1 − β1)·g
 *   v     ← β2·v + (1 − β2)·g²
 *   denom ← sqrt(v) / sqrt(1 − β2^t) + eps
 *   p     ← p − (lr / (1 − β1^t)) · m / denom
 * </pre>
 *
 * <p>Moments are kept per HF parameter name (stable across runs, unlike DJL parameter ids) in a
 * sub-manager of the model's manager, and can be exported and restored bit-exactly ({@link
 * #stateTensors}, {@link #load}). Updates run in place inside libtorch, one call per step for both
 * groups (decay and no decay). The step count lives on the parameters' device and advances there
 * unless the step is skipped ({@code foundInf}): no host sync per step; {@link #steps()} reads it.
 */
public final class AdamW implements AutoCloseable {
    /** Prefixes of the moment tensors in a saved state. */
    public static final String EXP_AVG = "exp_avg.";

    public static final String EXP_AVG_SQ = "exp_avg_sq.";

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final NDManager state;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();

    /** Applied updates, 0-d fp32 on the parameters' device (what the fused kernel reads). */
    private NDArray step;

    private long loadedSteps;

    public AdamW(NDManager parent, double beta1, double beta2, double eps, double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.state = parent.newSubManager();
    }

    /**
     * Whether a parameter gets weight decay: matrices and embeddings (ndim ≥ 2), never biases or
     * LayerNorm.
     */
    public static boolean decays(Shape shape) {
        return shape.dimension() >= 2;
    }

    /** Optimizer steps applied so far (a read of the device counter: a host sync on CUDA). */
    public long steps() {
        return step == null ? loadedSteps : (long) step.getFloat();
    }

    /** One update of every parameter in {@code weights} with its gradient in {@code grads}. */
    public void step(Map<String, NDArray> weights, Map<String, NDArray> grads, double lr) {
        step(weights, grads, lr, null);
    }

    /**
     * One update of every parameter in {@code weights} with its gradient in {@code grads} (same
     * keys), skipped on the device when {@code foundInf} (0-d fp32, or null) is 1.
     */
    public void step(
            Map<String, NDArray> weights, Map<String, NDArray> grads, double lr, NDArray foundInf) {
        // two parameter groups (decay / no decay), each one fused libtorch call
        List<List<NDArray>> decay =
                List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        List<List<NDArray>> plain =
                List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (Map.Entry<String, NDArray> e : weights.entrySet()) {
            String name = e.getKey();
            NDArray p = e.getValue();
            NDArray g = grads.get(name);
            if (g == null) {
                throw new IllegalArgumentException("no gradient for " + name);
            }
            List<List<NDArray>> group = weightDecay != 0 && decays(p.getShape()) ? decay : plain;
            group.get(0).add(p);
            group.get(1).add(g);
            group.get(2).add(m.computeIfAbsent(name, k -> zeros(p)));
            group.get(3).add(v.computeIfAbsent(name, k -> zeros(p)));
        }
        NDArray first = weights.values().iterator().next();
        if (step == null) {
            step = counter(first, loadedSteps);
        }
        NDArray found = foundInf;
        if (found == null) {
            found = state.zeros(new Shape(), DataType.FLOAT32, first.getDevice());
        }
        TorchOps.adamw(decay, plain, step, lr, beta1, beta2, eps, weightDecay, found);
        if (foundInf == null) {
            found.close();
        }
    }

    /** The step counter on {@code like}'s device: zeros (no upload) unless resuming. */
    private NDArray counter(NDArray like, long steps) {
        NDArray c = state.zeros(new Shape(), DataType.FLOAT32, like.getDevice());
        if (steps != 0) {
            c.addi(steps); // one upload, when a resumed run takes its first step
        }
        return c;
    }

    private NDArray zeros(NDArray like) {
        return state.zeros(like.getShape(), DataType.FLOAT32, like.getDevice());
    }

    /**
     * The moments as F32 tensors named {@code exp_avg.<name>} / {@code exp_avg_sq.<name>}
     * (parameter order).
     */
    public List<RawTensor> stateTensors() {
        List<RawTensor> out = new ArrayList<>();
        for (String name : m.keySet()) {
            out.add(raw(EXP_AVG + name, m.get(name)));
            out.add(raw(EXP_AVG_SQ + name, v.get(name)));
        }
        return out;
    }

    private static RawTensor raw(String name, NDArray a) {
        return RawTensor.ofFloats(name, a.getShape().getShape(), a.toFloatArray());
    }

    /** Restores moments and the step counter written by {@link #stateTensors}. */
    public void load(Map<String, RawTensor> tensors, long steps, Map<String, NDArray> weights) {
        close();
        m.clear();
        v.clear();
        for (Map.Entry<String, NDArray> e : weights.entrySet()) {
            RawTensor a = tensors.get(EXP_AVG + e.getKey());
            RawTensor b = tensors.get(EXP_AVG_SQ + e.getKey());
            if (a == null || b == null) {
                if (steps == 0) {
                    continue;
                }
                throw new IllegalStateException("optimizer state has no moments for " + e.getKey());
            }
            m.put(e.getKey(), create(a, e.getValue()));
            v.put(e.getKey(), create(b, e.getValue()));
        }
        if (step != null) {
            step.close();
            step = null;
        }
        this.loadedSteps = steps;
    }

    private NDArray create(RawTensor t, NDArray like) {
        if (!java.util.Arrays.equals(t.shape(), like.getShape().getShape())) {
            throw new IllegalStateException(t.name() + ": shape mismatch with the parameter");
        }
        return NativeTensors.fp32(state, t).toDevice(like.getDevice(), false);
    }

    /** Frees the moments (they are recreated lazily or by {@link #load}). */
    @Override
    public void close() {
        for (NDArray a : m.values()) {
            a.close();
        }
        for (NDArray a : v.values()) {
            a.close();
        }
        if (step != null) {
            loadedSteps = steps();
            step.close();
            step = null;
        }
    }
}
