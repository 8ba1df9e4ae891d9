package dev.ouroboros.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mixed-precision compute for {@link OptForCausalLM}, by the rules of {@code torch.autocast}: DJL
 * 0.35.1 has neither autocast nor a differentiable cast (docs/design.md#no-autocast), so the model
 * asks this store, when it is the one passed to {@code forward}, to cast through {@link TorchOps}
 * (casts that autograd records):
 *
 * <ul>
 *   <li>every linear layer (q/k/v/out projections, fc1, fc2, project_in/out, the LM head) and the
 *       attention {@code probs · V} product run in fp16/bf16: its input, weight and bias are cast,
 *       fp32 → half;
 *   <li>everything else stays fp32: embeddings, the residual stream (fp32 + half promotes to fp32,
 *       as in PyTorch), LayerNorm, the attention scores after the fp32 mask is added (again by
 *       promotion), softmax, and the logits, which are cast back to fp32 so that the loss and its
 *       log-softmax run in fp32.
 * </ul>
 *
 * <p>The parameters themselves stay fp32 (the masters): the half copies of the linear layers'
 * weights and biases are made once per forward, all in one TorchScript call ({@link #begin}),
 * attached to the activations' manager (freed with the micro-batch), and autograd delivers fp32
 * gradients to the masters, so AdamW, clipping, checkpoints and weight IO do not change. bf16
 * tensors are never handed to DJL's softmax / log-softmax, which crash the JVM on them
 * (docs/design.md#bf16-crashes-the-jvm).
 */
public final class AutocastStore extends ParameterStore {
    private final Precision precision;
    private final Map<Parameter, NDArray> halfWeights = new IdentityHashMap<>();

    public AutocastStore(NDManager manager, Precision precision) {
        super(manager, false);
        if (!precision.isHalf()) {
            throw new IllegalArgumentException("autocast needs fp16 or bf16, got " + precision);
        }
        this.precision = precision;
    }

    public Precision precision() {
        return precision;
    }

    /**
     * Casts {@code weights} (the linear layers' parameters) to the half type in one call, for the
     * forward that is about to run; the copies are attached to {@code owner} (the batch). {@link
     * #end} forgets them.
     */
    void begin(List<Parameter> weights, NDManager owner, boolean training) {
        List<NDArray> fp32 = new ArrayList<>(weights.size());
        for (Parameter p : weights) {
            fp32.add(getValue(p, owner.getDevice(), training));
        }
        List<NDArray> half = TorchOps.castAll(fp32, precision.castAllMethod(), owner);
        for (int i = 0; i < weights.size(); i++) {
            halfWeights.put(weights.get(i), half.get(i));
        }
    }

    void end() {
        halfWeights.clear();
    }

    /**
     * {@code x · wᵀ + b} in the half type, {@code x} folded to 2-D so that the bias is added inside
     * the GEMM with a single rounding: libtorch 2.7.1's linear on a 3-D input rounds the product
     * and the sum separately, where torch.autocast in current PyTorch rounds once (measured: 821 of
     * 3072 bf16 outputs differed).
     */
    NDArray linear(NDArray x, Parameter w, Parameter bias, boolean training) {
        NDManager owner = x.getManager(); // the batch: half copies are freed with it
        // (docs/design.md#memory-traps)
        Shape in = x.getShape(); // (..., I)
        NDArray x2 = half(this, x, owner).reshape(-1, in.get(in.dimension() - 1)); // (N, I)
        NDArray wv = weight(w, owner, training); // (O, I)
        NDArray bv = bias == null ? null : weight(bias, owner, training);
        long[] out = in.getShape().clone();
        out[out.length - 1] = wv.getShape().get(0);
        return Linear.linear(x2, wv, bv).head().reshape(out); // (..., O)
    }

    private NDArray weight(Parameter p, NDManager owner, boolean training) {
        NDArray h = halfWeights.get(p);
        return h != null ? h : half(this, getValue(p, owner.getDevice(), training), owner);
    }

    /**
     * {@code x} in the half type when {@code ps} is an autocast store and {@code x} is fp32;
     * otherwise {@code x} itself. The copy is attached to {@code owner}.
     */
    static NDArray half(ParameterStore ps, NDArray x, NDManager owner) {
        if (ps instanceof AutocastStore a && x.getDataType() == DataType.FLOAT32) {
            return TorchOps.cast(x, a.precision.castMethod(), owner);
        }
        return x;
    }

    /**
     * {@code x} back in fp32 when {@code ps} is an autocast store (and {@code x} is not fp32
     * already).
     */
    static NDArray fp32(ParameterStore ps, NDArray x) {
        if (ps instanceof AutocastStore && x.getDataType() != DataType.FLOAT32) {
            return TorchOps.cast(x, "to_fp32", x.getManager());
        }
        return x;
    }
}
