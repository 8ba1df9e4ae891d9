package dev.ouroboros.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;

/**
 * Mixed-precision compute for {@link OptForCausalLM}, by the rules of {@code torch.autocast}: DJL 0.35.1 has no
 * autocast and its {@code toType} is not differentiable (DJL-NOTES §3), so the model asks this store, when it is the
 * one passed to {@code forward}, to cast through {@link TorchOps} (casts that autograd records):
 *
 * <ul>
 *   <li>every linear layer (q/k/v/out projections, fc1, fc2, project_in/out, the LM head) and the attention
 *       {@code probs · V} product run in fp16/bf16: its input, weight and bias are cast, fp32 → half;
 *   <li>everything else stays fp32: embeddings, the residual stream (fp32 + half promotes to fp32, as in PyTorch),
 *       LayerNorm, the attention scores after the fp32 mask is added (again by promotion), softmax, and the logits,
 *       which are cast back to fp32 so that the loss and its log-softmax run in fp32.
 * </ul>
 *
 * <p>The parameters themselves stay fp32 (the masters): the half copies are made per forward, attached to the
 * activations' manager (freed with the micro-batch), and autograd delivers fp32 gradients to the masters, so AdamW,
 * clipping, checkpoints and weight IO do not change. bf16 tensors are never handed to DJL's softmax / log-softmax,
 * which crash the JVM on them (docs/mixed-precision-spike.md).
 */
public final class AutocastStore extends ParameterStore {
  private final Precision precision;

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
   * {@code x} in the half type when {@code ps} is an autocast store and {@code x} is fp32; otherwise {@code x}
   * itself. The copy is attached to {@code owner}.
   */
  static NDArray half(ParameterStore ps, NDArray x, NDManager owner) {
    if (ps instanceof AutocastStore a && x.getDataType() == DataType.FLOAT32) {
      return TorchOps.cast(x, a.precision.castMethod(), owner);
    }
    return x;
  }

  /** {@code x} back in fp32 when {@code ps} is an autocast store (and {@code x} is not fp32 already). */
  static NDArray fp32(ParameterStore ps, NDArray x) {
    if (ps instanceof AutocastStore && x.getDataType() != DataType.FLOAT32) {
      return TorchOps.cast(x, "to_fp32", x.getManager());
    }
    return x;
  }
}
