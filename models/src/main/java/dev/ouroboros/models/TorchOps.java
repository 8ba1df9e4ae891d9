package dev.ouroboros.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
 * </ul>
 *
 * <p>Tensors in and out are libtorch tensors of the PyTorch engine; outputs are attached to the
 * manager the caller names.
 */
public final class TorchOps {
    private static final String RESOURCE = "/dev/ouroboros/models/ops.pt";
    private static PtSymbolBlock module;
    private static NDManager holder;
    private static final Map<String, NDArray> METHOD_TAGS = new HashMap<>();

    private TorchOps() {}

    private static synchronized PtSymbolBlock module() {
        if (module == null) {
            try (InputStream in = TorchOps.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(RESOURCE + " is missing from the classpath");
                }
                Path tmp = Files.createTempFile("ouro-ops", ".pt");
                try {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                    holder = NDManager.newBaseManager();
                    module =
                            JniUtils.loadModule(
                                    (PtNDManager) holder,
                                    tmp,
                                    true,
                                    new String[0],
                                    new String[0],
                                    false);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load " + RESOURCE, e);
            }
        }
        return module;
    }

    /**
     * A 0-d tensor named {@code module_method:NAME}: tells IValueUtils.forward which method to run.
     */
    private static synchronized NDArray tag(String method) {
        return METHOD_TAGS.computeIfAbsent(
                method,
                k -> {
                    module();
                    NDArray t = holder.create(0f);
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
     * path): returns the global L2 norm before clipping; when {@code maxNorm > 0} every gradient is
     * scaled by {@code min(1, maxNorm / (norm + 1e-6))}. A non-finite norm leaves the gradients
     * untouched. {@code maxNorm = 0} only measures.
     */
    public static double clipGradNorm(List<NDArray> grads, double maxNorm) {
        try (IValue list = tensors(grads);
                IValue max = IValue.from(maxNorm);
                IValue out = IValueUtils.runMethod(module(), "grad_norm_", list, max);
                NDArray norm = out.toTensor((PtNDManager) grads.get(0).getManager())) {
            return norm.getFloat();
        }
    }

    /**
     * Multiplies every gradient by {@code invScale} in place and reports whether any holds inf or
     * NaN (then the values are unspecified: the caller skips the step) — {@code
     * torch._amp_foreach_non_finite_check_and_unscale_}.
     */
    public static boolean unscale(List<NDArray> grads, double invScale) {
        try (IValue list = tensors(grads);
                IValue inv = IValue.from(invScale);
                IValue out = IValueUtils.runMethod(module(), "unscale_", list, inv)) {
            return out.toBoolean();
        }
    }

    /**
     * One {@code torch.optim.AdamW(fused=True)} update of a parameter group, in place: parameters,
     * first and second moments are updated; {@code step} is the 1-based step number used for bias
     * correction.
     */
    public static void adamw(
            List<NDArray> params,
            List<NDArray> grads,
            List<NDArray> expAvg,
            List<NDArray> expAvgSq,
            long step,
            double lr,
            double beta1,
            double beta2,
            double eps,
            double weightDecay) {
        if (params.isEmpty()) {
            return;
        }
        try (IValue p = tensors(params);
                IValue g = tensors(grads);
                IValue m = tensors(expAvg);
                IValue v = tensors(expAvgSq);
                IValue st = IValue.from((double) step);
                IValue a = IValue.from(lr);
                IValue b1 = IValue.from(beta1);
                IValue b2 = IValue.from(beta2);
                IValue e = IValue.from(eps);
                IValue wd = IValue.from(weightDecay);
                IValue out =
                        IValueUtils.runMethod(
                                module(), "adamw_", p, g, m, v, st, a, b1, b2, e, wd)) {
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

    private static IValue tensors(List<NDArray> arrays) {
        PtNDArray[] a = new PtNDArray[arrays.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = (PtNDArray) arrays.get(i);
        }
        return IValue.listFrom(a);
    }
}
