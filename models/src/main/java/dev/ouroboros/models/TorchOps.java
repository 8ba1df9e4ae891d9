package dev.ouroboros.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The few libtorch operations DJL 0.35.1 does not expose, through one TorchScript helper ({@code
 * ops.pt}, made and self-checked against eager PyTorch by {@code scripts/torchscript/make_ops.py},
 * loaded once per process):
 *
 * <ul>
 *   <li>differentiable dtype casts: DJL's {@code toType} runs under {@code NoGradGuard} and cuts
 *       the autograd graph (docs/design.md#casts-cut-the-graph): mixed precision casts in libtorch;
 *   <li>multi-tensor optimizer kernels: {@code torch._fused_adamw_}, {@code _foreach_norm}
 *       clipping, the AMP non-finite check + unscale, {@code _foreach_zero_}. With DJL ops an AdamW
 *       step is ~10 JNI calls per parameter tensor; here it is one call per parameter group.
 *   <li>{@code scaled_dot_product_attention} (flash / memory-efficient kernels on CUDA), also over
 *       a preallocated KV cache written in place, and the beam search's in-place reordering of that
 *       cache.
 * </ul>
 *
 * <p>Tensors in and out are libtorch tensors of the PyTorch engine; outputs are attached to the
 * manager the caller names.
 */
public final class TorchOps {
    private static final String RESOURCE = "/dev/ouroboros/models/ops.pt";
    private static final Map<String, NDArray> METHOD_TAGS = new HashMap<>();

    private TorchOps() {}

    private static PtSymbolBlock module() {
        return ScriptModules.get(RESOURCE);
    }

    /**
     * A 0-d tensor named {@code module_method:NAME}: tells IValueUtils.forward which method to run.
     */
    private static synchronized NDArray tag(String method) {
        return METHOD_TAGS.computeIfAbsent(
                method,
                k -> {
                    module();
                    NDArray t = ScriptModules.holder().create(0f);
                    t.setName("module_method:" + k);
                    return t;
                });
    }

    /**
     * {@code x.to(dtype)} recorded by autograd (when grad mode is on): the gradient reaching the
     * result flows back to {@code x} in {@code x}'s dtype. {@code method} is one of {@code
     * to_fp16}, {@code to_bf16}, {@code to_fp32}.
     *
     * @param owner manager the result is attached to
     */
    public static NDArray cast(NDArray x, String method, NDManager owner) {
        NDArray y = IValueUtils.forward(module(), new NDList(x, tag(method)), true).head();
        y.attach(owner);
        return y;
    }

    /**
     * {@link #cast} of every tensor in {@code xs} in one TorchScript call ({@code method}: {@code
     * all_to_fp16} or {@code all_to_bf16}); the results keep {@code xs}' order and are attached to
     * {@code owner}.
     */
    public static List<NDArray> castAll(List<NDArray> xs, String method, NDManager owner) {
        NDList in = new NDList(xs.size() + 1);
        String[] names = new String[xs.size()];
        for (int i = 0; i < names.length; i++) {
            NDArray x = xs.get(i);
            names[i] = x.getName();
            x.setName("xs[]"); // IValueUtils builds a List[Tensor] argument from arrays named
            // "<arg>[]"
            in.add(x);
        }
        in.add(tag(method));
        try {
            NDList out = IValueUtils.forward(module(), in, true);
            out.attach(owner);
            return out;
        } finally {
            for (int i = 0; i < names.length; i++) {
                xs.get(i).setName(names[i]);
            }
        }
    }

    /**
     * {@code torch.nn.utils.clip_grad_norm_(…, maxNorm)} over {@code grads} (in place, foreach
     * path), with no host sync: returns the global L2 norm before clipping as a 0-d fp32 tensor
     * (attached to {@code owner}); when {@code maxNorm > 0} every gradient is multiplied by {@code
     * min(1, maxNorm / (norm + 1e-6))}. A non-finite norm sets {@code foundInf} (0-d fp32) to 1,
     * which {@link #adamw} reads on the device to skip the update; the gradients are then
     * unspecified. {@code maxNorm = 0} only measures.
     */
    public static NDArray clipGradNorm(
            List<NDArray> grads, double maxNorm, NDArray foundInf, NDManager owner) {
        try (IValue list = tensors(grads);
                IValue max = IValue.from(maxNorm);
                IValue found = IValue.from((PtNDArray) foundInf);
                IValue out = IValueUtils.runMethod(module(), "grad_norm_", list, max, found)) {
            return out.toTensor((PtNDManager) owner);
        }
    }

    /**
     * Divides every gradient by {@code scale} (0-d fp32) in place and sets {@code foundInf} (0-d
     * fp32) to 1 when any holds inf or NaN (the values are then unspecified: the update is skipped)
     * — {@code torch._amp_foreach_non_finite_check_and_unscale_}, with no host sync.
     */
    public static void unscale(List<NDArray> grads, NDArray foundInf, NDArray scale) {
        try (IValue list = tensors(grads);
                IValue found = IValue.from((PtNDArray) foundInf);
                IValue s = IValue.from((PtNDArray) scale);
                IValue out = IValueUtils.runMethod(module(), "unscale_", list, found, s)) {
            // in place; returns None
        }
    }

    /**
     * {@code GradScaler.update} on the device ({@code torch._amp_update_scale_}): {@code foundInf}
     * multiplies {@code scale} by {@code backoff} and resets {@code goodSteps} (0-d int32); the
     * {@code interval}-th good step in a row multiplies it by {@code growth}. Returns {@code [scale
     * used, scale now, good steps]} (fp32, attached to {@code owner}) for the step's figures.
     */
    public static NDArray updateScale(
            NDArray scale,
            NDArray goodSteps,
            NDArray foundInf,
            double growth,
            double backoff,
            long interval,
            NDManager owner) {
        try (IValue s = IValue.from((PtNDArray) scale);
                IValue t = IValue.from((PtNDArray) goodSteps);
                IValue f = IValue.from((PtNDArray) foundInf);
                IValue g = IValue.from(growth);
                IValue b = IValue.from(backoff);
                IValue n = IValue.from(interval);
                IValue out = IValueUtils.runMethod(module(), "update_scale_", s, t, f, g, b, n)) {
            return out.toTensor((PtNDManager) owner);
        }
    }

    /**
     * One {@code torch.optim.AdamW(fused=True)} update of both parameter groups (with weight decay,
     * and {@code plain}: without), in place. {@code step} (0-d fp32 on the device) counts applied
     * updates and is used for bias correction; it advances by one unless {@code foundInf} (0-d
     * fp32) is 1, in which case nothing changes (the kernel skips on the device; no host sync).
     * Each group is {@code [params, grads, exp_avgs, exp_avg_sqs]}.
     */
    public static void adamw(
            List<List<NDArray>> decay,
            List<List<NDArray>> plain,
            NDArray step,
            double lr,
            double beta1,
            double beta2,
            double eps,
            double weightDecay,
            NDArray foundInf) {
        try (IValue p = tensors(decay.get(0));
                IValue g = tensors(decay.get(1));
                IValue m = tensors(decay.get(2));
                IValue v = tensors(decay.get(3));
                IValue pp = tensors(plain.get(0));
                IValue pg = tensors(plain.get(1));
                IValue pm = tensors(plain.get(2));
                IValue pv = tensors(plain.get(3));
                IValue st = IValue.from((PtNDArray) step);
                IValue a = IValue.from(lr);
                IValue b1 = IValue.from(beta1);
                IValue b2 = IValue.from(beta2);
                IValue e = IValue.from(eps);
                IValue wd = IValue.from(weightDecay);
                IValue f = IValue.from((PtNDArray) foundInf);
                IValue out =
                        IValueUtils.runMethod(
                                module(), "adamw_", p, g, m, v, pp, pg, pm, pv, st, a, b1, b2, e,
                                wd, f)) {
            // in place; returns None
        }
    }

    /**
     * Sets every tensor to zero in place ({@code torch._foreach_zero_}): unlike {@code muli(0)},
     * inf becomes 0.
     */
    public static void zero(List<NDArray> tensors) {
        try (IValue list = tensors(tensors);
                IValue out = IValueUtils.runMethod(module(), "zero_", list)) {
            // in place; returns None
        }
    }

    /**
     * Causal self-attention without padding: {@code softmax(q kᵀ + causal) v} with {@code q}
     * already scaled; {@code q, k, v (B, H, T, D)} → {@code (B, H, T, D)}. Recorded by autograd
     * when grad mode is on.
     */
    public static NDArray sdpaCausal(NDArray q, NDArray k, NDArray v, NDManager owner) {
        return attach(
                IValueUtils.forward(module(), new NDList(q, k, v, tag("sdpa_causal")), true),
                owner);
    }

    /**
     * {@link #sdpaCausal} with an additive mask {@code (B, 1, T, S)} instead of the causal flag
     * (left padding, or keys beyond the queries).
     */
    public static NDArray sdpaMasked(
            NDArray q, NDArray k, NDArray v, NDArray mask, NDManager owner) {
        return attach(
                IValueUtils.forward(module(), new NDList(q, k, v, mask, tag("sdpa_masked")), true),
                owner);
    }

    /**
     * Decoding attention over a preallocated cache, without autograd: writes {@code k, v (B, H, T,
     * D)} into {@code kCache, vCache (B, H, capacity, D)} at positions {@code [past, past + T)} in
     * place, then attends {@code q} over positions {@code [0, past + T)} with the additive {@code
     * mask (B, 1, T, past + T)}. One libtorch call per layer and step.
     */
    public static NDArray cachedSdpa(
            NDArray q,
            NDArray k,
            NDArray v,
            NDArray kCache,
            NDArray vCache,
            long past,
            NDArray mask,
            NDManager owner) {
        try (IValue iq = IValue.from((PtNDArray) q);
                IValue ik = IValue.from((PtNDArray) k);
                IValue iv = IValue.from((PtNDArray) v);
                IValue kc = IValue.from((PtNDArray) kCache);
                IValue vc = IValue.from((PtNDArray) vCache);
                IValue p = IValue.from(past);
                IValue im = IValue.from((PtNDArray) mask);
                IValue out =
                        IValueUtils.runMethod(
                                module(), "cached_sdpa_", iq, ik, iv, kc, vc, p, im)) {
            return out.toTensor((PtNDManager) owner);
        }
    }

    /**
     * {@code xs[i][:, :, :length] = xs[i][:, :, :length][ix]} for every tensor, in place (the beam
     * search's reordering of a preallocated cache): only the rows r with {@code ix[r] != r} are
     * read and written, their sources gathered first, one tensor at a time, so no second buffer of
     * the cache's size exists; the temporary is at most one tensor's changed rows. Runs on {@code
     * ix}'s device (nothing is copied to the host).
     */
    public static void reorderRows(List<NDArray> xs, NDArray ix, long length) {
        try (IValue s = tensors(xs);
                IValue i = IValue.from((PtNDArray) ix);
                IValue n = IValue.from(length);
                IValue out = IValueUtils.runMethod(module(), "reorder_rows_", s, i, n)) {
            // in place; returns None
        }
    }

    private static NDArray attach(NDList out, NDManager owner) {
        NDArray y = out.head();
        y.attach(owner);
        return y;
    }

    private static IValue tensors(List<NDArray> arrays) {
        PtNDArray[] a = new PtNDArray[arrays.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = (PtNDArray) arrays.get(i);
        }
        return IValue.listFrom(a);
    }
}
