package dev.ouroboros.models.decode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import dev.ouroboros.models.KvCache;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.ScriptModules;
import dev.ouroboros.models.TorchOps;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fused decoding step ({@code decode.pt}, made and checked against HF {@code OPTForCausalLM} by
 * {@code scripts/torchscript/make_decode.py}; docs/design.md#fused-decoding-step): the whole model
 * over the KV cache, the beams' reordering, the logits processors and the top-k in one libtorch
 * call per step, instead of ~100 DJL calls per layer and a host sync for every plain number.
 *
 * <p>One instance per {@code generate} call: it holds the weights (cast once to the decoding
 * dtype), the cache and the config as TorchScript values, built once and passed to every step.
 */
final class DecodeOps implements AutoCloseable {
    private static final String RESOURCE = "/dev/ouroboros/models/decode.pt";
    private static final String[] LAYER =
            new String[] {
                "self_attn.q_proj.weight",
                "self_attn.q_proj.bias",
                "self_attn.k_proj.weight",
                "self_attn.k_proj.bias",
                "self_attn.v_proj.weight",
                "self_attn.v_proj.bias",
                "self_attn.out_proj.weight",
                "self_attn.out_proj.bias",
                "self_attn_layer_norm.weight",
                "self_attn_layer_norm.bias",
                "fc1.weight",
                "fc1.bias",
                "fc2.weight",
                "fc2.bias",
                "final_layer_norm.weight",
                "final_layer_norm.bias"
            };

    private final PtSymbolBlock module;
    private final NDManager manager; // the cache and the half-precision weights, if any
    private final KvCache cache;
    private final IValue weights;
    private final IValue caches;
    private final IValue cfg;
    private final Map<NDArray, IValue> heldArrays = new IdentityHashMap<>(); // see held
    private final Map<Object, IValue> heldValues = new HashMap<>();

    /**
     * Weights and a zeroed cache of {@code rows} sequences of up to {@code capacity} positions.
     *
     * @param dtype FLOAT32 (the model's weights as they are) or BFLOAT16 / FLOAT16 (every weight
     *     cast once, as HF's model loaded with that {@code torch_dtype}, and the cache in that
     *     type)
     */
    DecodeOps(LanguageModel model, DataType dtype, long rows, long capacity, NDManager parent) {
        this.module = ScriptModules.get(RESOURCE);
        this.manager = parent.newSubManager();
        OptConfig c = model.config();
        List<NDArray> w = weights(model);
        if (dtype == DataType.FLOAT32) {
            cache = KvCache.allocate(manager, c, rows, capacity);
        } else {
            // DJL 0.35.1 cannot make bf16 tensors (docs/design.md#half-precision-decoding):
            // TorchScript casts the weights and makes the cache
            String method = dtype == DataType.BFLOAT16 ? "all_to_bf16" : "all_to_fp16";
            w = TorchOps.castAll(w, method, manager);
            cache = KvCache.adopt(manager, newCache(w.get(0), c, rows, capacity));
        }
        this.weights = tensors(w);
        this.caches = tensors(cache.tensors());
        this.cfg = IValue.listFrom(config(c));
    }

    /** The cache the steps fill: {@code (rows, H, capacity, D)} per layer, k and v. */
    KvCache cache() {
        return cache;
    }

    private NDList newCache(NDArray like, OptConfig c, long rows, long capacity) {
        try (IValue l = IValue.from((PtNDArray) like);
                IValue n = IValue.from(2L * c.numHiddenLayers());
                IValue r = IValue.from(rows);
                IValue h = IValue.from((long) c.numAttentionHeads());
                IValue cap = IValue.from(capacity);
                IValue d = IValue.from((long) c.headDim());
                IValue out = IValueUtils.runMethod(module, "new_cache", l, n, r, h, cap, d)) {
            return new NDList(out.toTensorArray((PtNDManager) manager));
        }
    }

    /** The model's weights in decode.pt's order (its docstring): absent ones skipped. */
    static List<NDArray> weights(LanguageModel model) {
        OptConfig c = model.config();
        Map<String, Parameter> p = model.block().parametersByName();
        List<String> names =
                new ArrayList<>(
                        List.of("decoder.embed_tokens.weight", "decoder.embed_positions.weight"));
        if (c.hasProjection()) {
            names.add("decoder.project_in.weight");
            names.add("decoder.project_out.weight");
        }
        if (c.hasFinalLayerNorm() && c.layerNormElementwiseAffine()) {
            names.add("decoder.final_layer_norm.weight");
            names.add("decoder.final_layer_norm.bias");
        }
        if (!c.tieWordEmbeddings()) {
            names.add("lm_head.weight");
        }
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            for (String n : LAYER) {
                boolean norm = n.contains("layer_norm");
                if (norm
                        ? c.layerNormElementwiseAffine()
                        : c.enableBias() || n.endsWith(".weight")) {
                    names.add("decoder.layers." + i + "." + n);
                }
            }
        }
        List<NDArray> out = new ArrayList<>(names.size());
        for (String n : names) {
            out.add(p.get(n).getArray());
        }
        return out;
    }

    static long[] config(OptConfig c) {
        return new long[] {
            c.numHiddenLayers(),
            c.numAttentionHeads(),
            c.doLayerNormBefore() ? 1 : 0,
            c.activationFunction().equals("relu") ? 1 : 0,
            c.hasProjection() ? 1 : 0,
            c.hasFinalLayerNorm() ? 1 : 0,
            c.enableBias() ? 1 : 0,
            c.layerNormElementwiseAffine() ? 1 : 0,
            c.tieWordEmbeddings() ? 1 : 0
        };
    }

    /**
     * The prompts {@code ids (B, W)} with {@code mask (B, W)} through the model, filling the first
     * B rows of the cache: the last position's logits {@code (B, V)}, fp32 (as HF {@code generate}
     * casts them).
     */
    NDArray prefill(NDArray ids, NDArray mask, NDManager owner) {
        try (IValue i = IValue.from((PtNDArray) ids);
                IValue m = IValue.from((PtNDArray) mask);
                IValue out = IValueUtils.runMethod(module, "prefill", i, m, weights, caches, cfg)) {
            return out.toTensor((PtNDManager) owner);
        }
    }

    /**
     * Greedy / sampling step: writes {@code last (N)} at column {@code past} of {@code tokens (N,
     * capacity)}, runs it through the model and returns the processed fp32 scores {@code (N, V)}.
     */
    NDArray sampleStep(
            NDArray last, NDArray tokens, NDArray mask, long past, Processors p, NDManager owner) {
        try (IValue l = IValue.from((PtNDArray) last);
                IValue ps = IValue.from(past);
                IValue out =
                        IValueUtils.runMethod(
                                module,
                                "sample_step",
                                l,
                                held(tokens),
                                held(mask),
                                ps,
                                weights,
                                caches,
                                cfg,
                                held(p.penalty()),
                                held((long) p.idLimit()),
                                held((long) p.eosMask()))) {
            return out.toTensor((PtNDManager) owner);
        }
    }

    /**
     * Beam step: {@code state (N, 3)} FLOAT64 holds each row's last token, parent row and running
     * score; when {@code reorder}, the cache and token rows first become their parents'. Returns
     * {@code (B, 2k)} FLOAT64: the k best accumulated scores of each prompt's beams, then their
     * flat ids ({@code beam · V + token}).
     */
    NDArray beamStep(
            NDArray state,
            boolean reorder,
            NDArray tokens,
            NDArray mask,
            long past,
            Processors p,
            int batch,
            int k,
            NDManager owner) {
        try (IValue s = IValue.from((PtNDArray) state);
                IValue ps = IValue.from(past);
                IValue out =
                        IValueUtils.runMethod(
                                module,
                                "beam_step",
                                s,
                                held(reorder),
                                held(tokens),
                                held(mask),
                                ps,
                                weights,
                                caches,
                                cfg,
                                held(p.penalty()),
                                held((long) p.idLimit()),
                                held((long) p.eosMask()),
                                held((long) batch),
                                held((long) k))) {
            return out.toTensor((PtNDManager) owner);
        }
    }

    /**
     * The TorchScript value of an argument that repeats from step to step (the token and mask
     * buffers, written in place; the processors' settings; the batch shape), made once per {@code
     * generate} call and closed with it: a step wraps only what is new in it.
     */
    private IValue held(NDArray a) {
        return heldArrays.computeIfAbsent(a, k -> IValue.from((PtNDArray) k));
    }

    private IValue held(Object v) {
        return heldValues.computeIfAbsent(
                v,
                k -> {
                    if (k instanceof Long l) {
                        return IValue.from((long) l);
                    }
                    if (k instanceof Double d) {
                        return IValue.from((double) d);
                    }
                    return IValue.from((boolean) (Boolean) k);
                });
    }

    /**
     * The logits processors of one step: repetition penalty (1 = none), ids at or above {@code
     * idLimit} masked, and the id {@code eosMask} masked (-1: none; EOS while too short).
     */
    record Processors(double penalty, int idLimit, int eosMask) {}

    private static IValue tensors(List<NDArray> arrays) {
        PtNDArray[] a = new PtNDArray[arrays.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = (PtNDArray) arrays.get(i);
        }
        return IValue.listFrom(a);
    }

    @Override
    public void close() {
        weights.close();
        caches.close();
        cfg.close();
        heldArrays.values().forEach(IValue::close);
        heldValues.values().forEach(IValue::close);
        manager.close();
    }
}
