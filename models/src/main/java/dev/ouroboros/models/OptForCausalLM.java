package dev.ouroboros.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OPT causal language model as DJL blocks, computing exactly what HF {@code OPTForCausalLM}
 * computes.
 *
 * <p>Forward inputs (an {@link NDList}):
 *
 * <ol>
 *   <li>{@code inputIds (B, T)} INT64 — the new tokens;
 *   <li>optionally {@code attentionMask (B, S)} INT64, 1 = real token, 0 = padding, covering the
 *       cached prefix and the new tokens ({@code S = past + T}); positions are derived from it
 *       (cumsum − 1, offset 2), so left padding works;
 *   <li>optionally the preallocated cache ({@link KvCache#tensors()}): {@code k_0, v_0, …, k_{L−1},
 *       v_{L−1}}, each {@code (B, H, capacity, D)}, positions {@code [0, past)} filled; the new
 *       keys and values are written at {@code [past, S)} in place.
 * </ol>
 *
 * <p>Without a mask (input 2 absent) the rows are unpadded: positions 0..T−1 and SDPA's causal flag
 * (flash kernels on CUDA). Output: {@code logits (B, T, V)}; with the forward parameter {@link
 * #LAST_POSITION} ({@link LanguageModel#forwardLast}), {@code (B, 1, V)}: the LM head runs on the
 * last position only (HF's {@code logits_to_keep=1}, what {@code generate} passes), so a prefill
 * never materialises the {@code (B, T, V)} logits nothing reads.
 *
 * <p>With autograd off (libtorch's grad mode, thread-local), each layer's intermediates live in a
 * sub-manager of the batch's, closed as soon as the next layer has its input: nothing but the layer
 * being computed and its input is alive, instead of every activation of the forward until the batch
 * ends. With grad mode on (training) everything stays in the batch's manager, as backward needs it
 * (docs/design.md#memory-traps).
 *
 * <p>Parameters keep HF names (without the {@code model.} prefix) in {@link #parametersByName()},
 * which weight IO uses; DJL's concatenated names are never parsed (docs/design.md#parameter-names).
 */
public final class OptForCausalLM extends AbstractBlock {
    /**
     * Forward parameter (its value is ignored): logits of the last position only, {@code (B, 1,
     * V)}.
     */
    public static final String LAST_POSITION = "last_position";

    private final OptConfig cfg;
    private final Parameter embedTokens; // (V, E)
    private final Parameter embedPositions; // (P + 2, C)
    private final Parameter projectIn; // (C, E) or null
    private final Parameter projectOut; // (E, C) or null
    private final Parameter finalLnW, finalLnB; // (C) or null
    private final Parameter lmHead; // (V, E), null when tied
    private final List<OptDecoderLayer> layers = new ArrayList<>();
    private final Map<String, Parameter> byName = new LinkedHashMap<>();
    private Attention attention;

    public OptForCausalLM(OptConfig cfg) {
        this.cfg = cfg;
        int c = cfg.hiddenSize();
        int e = cfg.wordEmbedProjDim();
        NormalInitializer normal = new NormalInitializer(cfg.initStd());
        embedTokens =
                register(
                        "decoder.embed_tokens.weight",
                        Parameter.Type.WEIGHT,
                        normal,
                        cfg.vocabSize(),
                        e);
        embedPositions =
                register(
                        "decoder.embed_positions.weight",
                        Parameter.Type.WEIGHT,
                        normal,
                        cfg.maxPositionEmbeddings() + OptConfig.POSITION_OFFSET,
                        c);
        projectIn =
                cfg.hasProjection()
                        ? register("decoder.project_in.weight", Parameter.Type.WEIGHT, normal, c, e)
                        : null;
        projectOut =
                cfg.hasProjection()
                        ? register(
                                "decoder.project_out.weight", Parameter.Type.WEIGHT, normal, e, c)
                        : null;
        for (int i = 0; i < cfg.numHiddenLayers(); i++) {
            OptDecoderLayer layer = addChildBlock("layers_" + i, new OptDecoderLayer(cfg));
            layers.add(layer);
            for (Map.Entry<String, Parameter> en : layer.parametersByName().entrySet()) {
                byName.put("decoder.layers." + i + "." + en.getKey(), en.getValue());
            }
        }
        attention(Attention.selected());
        boolean finalLn = cfg.hasFinalLayerNorm() && cfg.layerNormElementwiseAffine();
        finalLnW =
                finalLn
                        ? register(
                                "decoder.final_layer_norm.weight",
                                Parameter.Type.GAMMA,
                                Initializer.ONES,
                                c)
                        : null;
        finalLnB =
                finalLn
                        ? register(
                                "decoder.final_layer_norm.bias",
                                Parameter.Type.BETA,
                                Initializer.ZEROS,
                                c)
                        : null;
        lmHead =
                cfg.tieWordEmbeddings()
                        ? null
                        : register(
                                "lm_head.weight",
                                Parameter.Type.WEIGHT,
                                normal,
                                cfg.vocabSize(),
                                e);
    }

    public OptConfig config() {
        return cfg;
    }

    /**
     * Every trainable parameter by HF state-dict name without the {@code model.} prefix ({@code
     * decoder.…} and, when untied, {@code lm_head.weight}), in a stable order.
     */
    public Map<String, Parameter> parametersByName() {
        return Collections.unmodifiableMap(byName);
    }

    private Parameter register(String name, Parameter.Type type, Initializer init, int... shape) {
        long[] dims = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = shape[i];
        }
        Parameter p =
                addParameter(
                        Parameter.builder()
                                .setName(name.replace('.', '_'))
                                .setType(type)
                                .optShape(new Shape(dims))
                                .optInitializer(init)
                                .build());
        byName.put(name, p);
        return p;
    }

    /**
     * Every parameter a linear layer multiplies with (what mixed precision casts to half), in a
     * stable order.
     */
    public List<Parameter> linearParameters() {
        List<Parameter> out = new ArrayList<>();
        if (projectIn != null) {
            out.add(projectIn);
        }
        for (OptDecoderLayer layer : layers) {
            out.addAll(layer.linearParameters());
        }
        if (projectOut != null) {
            out.add(projectOut);
        }
        out.add(lmHead == null ? embedTokens : lmHead);
        return out;
    }

    /** Allocates (random-initialises) all parameters on {@code manager}'s device. */
    public void initialize(NDManager manager) {
        initialize(manager, DataType.FLOAT32, new Shape(1, 1), new Shape(1, 1));
    }

    /**
     * How every layer computes attention (default {@link Attention#SDPA}); a runtime choice, not
     * part of the checkpoint.
     */
    public void attention(Attention a) {
        attention = a;
        for (OptDecoderLayer layer : layers) {
            layer.attention(a);
        }
    }

    public Attention attention() {
        return attention;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.get(0); // (B, T)
        NDArray attnMask = inputs.size() > 1 ? inputs.get(1) : null; // (B, S), null: no padding
        long b = ids.getShape().get(0);
        long t = ids.getShape().get(1);
        long s = attnMask == null ? t : attnMask.getShape().get(1);
        long past = s - t;
        if (past < 0) {
            throw new IllegalArgumentException(
                    "attention mask "
                            + attnMask.getShape()
                            + " shorter than ids "
                            + ids.getShape());
        }
        boolean cached = inputs.size() > 2;
        if (inputs.size() > 2 && inputs.size() != 2 + 2 * layers.size()) {
            throw new IllegalArgumentException(
                    "expected ids, mask and 0 or " + layers.size() + " (k, v) cache pairs");
        }
        if (cached && inputs.get(2).getShape().get(2) < s) {
            throw new IllegalArgumentException(
                    "KV cache of capacity " + inputs.get(2).getShape().get(2) + " < " + s);
        }
        NDManager m = ids.getManager();

        NDArray pos; // (B|1, T) position ids + offset 2
        NDArray mask64 = null;
        if (attnMask == null) {
            // the offset inside arange: add(Number) would be a host → device copy per forward
            int off = OptConfig.POSITION_OFFSET;
            pos = m.arange(off, t + off, 1, DataType.INT64, ids.getDevice()).reshape(1, t);
        } else {
            // positions from the mask, as HF: cumsum(mask) * mask - 1, the last T columns
            mask64 = attnMask.toType(DataType.INT64, false);
            pos = mask64.cumSum(1).mul(mask64).sub(1); // (B, S); padding → -1
            if (past > 0) {
                pos = pos.get(":, {}:", past);
            }
            pos = pos.add(OptConfig.POSITION_OFFSET);
        }

        NDArray x =
                embedding(ids, ps.getValue(embedTokens, ids.getDevice(), training)); // (B, T, E)
        if (projectIn != null) {
            x = OptDecoderLayer.linear(ps, x, projectIn, null, training); // (B, T, C)
        }
        x =
                x.add(
                        embedding(
                                pos,
                                ps.getValue(embedPositions, x.getDevice(), training))); // (B, T, C)

        NDArray additive; // (B|1, 1, T, S), or null: SDPA's causal flag (flash kernels on CUDA)
        if (mask64 != null) {
            additive = additiveMask(m, mask64, b, t, past, x.getDataType());
        } else if (attention == Attention.SDPA && !(training && cfg.attentionDropout() > 0)) {
            additive = null;
        } else {
            NDArray ones = m.ones(new Shape(1, t), DataType.INT64, ids.getDevice());
            additive = additiveMask(m, ones, 1, t, 0, x.getDataType());
        }
        // inference: each layer's intermediates in a sub-manager of m, freed once the next layer
        // holds its input (everything a layer derives from x lands in x's manager); training
        // keeps them all for backward
        boolean freeAsWeGo = !JniUtils.isGradMode();
        NDManager scope = null; // the current layer's, or null
        for (int i = 0; i < layers.size(); i++) {
            if (freeAsWeGo) {
                NDManager next = m.newSubManager();
                x.attach(next); // (B, T, C): the previous layer's output survives its scope
                if (scope != null) {
                    scope.close();
                }
                scope = next;
            }
            NDList in = new NDList(x, additive);
            if (cached) {
                in.add(inputs.get(2 + 2 * i));
                in.add(inputs.get(3 + 2 * i));
            }
            x = layers.get(i).forward(ps, in, training).head(); // (B, T, C)
        }
        if (scope != null) {
            x.attach(m);
            scope.close();
        }
        if (cfg.hasFinalLayerNorm()) {
            x = OptDecoderLayer.layerNorm(ps, x, finalLnW, finalLnB, training, cfg.hiddenSize());
        }
        if (projectOut != null) {
            x = OptDecoderLayer.linear(ps, x, projectOut, null, training); // (B, T, E)
        }
        if (params != null && params.contains(LAST_POSITION)) {
            x = x.get(":, -1:, :"); // (B, 1, E), as HF slices before lm_head
        }
        Parameter head = lmHead == null ? embedTokens : lmHead;
        // x first: the result stays in the batch manager (docs/design.md#memory-traps)
        NDArray logits = OptDecoderLayer.linear(ps, x, head, null, training); // (B, T|1, V)
        // the loss's log-softmax runs in fp32 (autocast's rule)
        return new NDList(AutocastStore.fp32(ps, logits));
    }

    private static NDArray embedding(NDArray ids, NDArray table) {
        return Embedding.embedding(ids, table, SparseFormat.DENSE).head();
    }

    /**
     * Causal + padding mask as an additive bias: 0 where query i (absolute position past+i) may
     * attend key j (j ≤ past+i and key j is not padding), a large negative number elsewhere. Shape
     * (B, 1, T, S).
     */
    static NDArray additiveMask(
            NDManager m, NDArray mask64, long b, long t, long past, DataType dtype) {
        long s = past + t;
        NDArray qi = m.arange(past, s, 1, DataType.INT64).reshape(1, 1, t, 1);
        NDArray kj = m.arange(0, s, 1, DataType.INT64).reshape(1, 1, 1, s);
        NDArray causal = qi.gte(kj); // (1, 1, T, S) bool
        NDArray keep = mask64.reshape(b, 1, 1, s).gt(0); // (B, 1, 1, S) bool
        NDArray allowed = causal.logicalAnd(keep).toType(dtype, false); // (B, 1, T, S)
        float neg = dtype == DataType.FLOAT16 ? -6.0e4f : -1.0e9f;
        return allowed.sub(1f).mul(-neg); // allowed → 0, masked → neg
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        for (OptDecoderLayer layer : layers) {
            layer.initialize(
                    manager, dataType, new Shape(1, 1, cfg.hiddenSize()), new Shape(1, 1, 1, 1));
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape ids = inputShapes[0];
        return new Shape[] {new Shape(ids.get(0), ids.get(1), cfg.vocabSize())};
    }
}
