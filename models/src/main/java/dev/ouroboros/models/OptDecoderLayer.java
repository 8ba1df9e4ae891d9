package dev.ouroboros.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * One OPT decoder layer (HF {@code OPTDecoderLayer}): self-attention and a ReLU/GELU MLP, each with
 * a residual, LayerNorm before (OPT-125m) or after (OPT-350m) the sub-block.
 *
 * <p>Inputs: {@code x (B, T, C)}, the additive attention mask {@code (B, 1, T, S)} or null (causal,
 * no padding, S = T), and optionally this layer's preallocated cache {@code kCache, vCache (B, H,
 * capacity, D)}, positions {@code [0, S − T)} already filled; the new keys and values are written
 * into it in place. Output: {@code y (B, T, C)}.
 */
final class OptDecoderLayer extends AbstractBlock {
    private static final float LN_EPS = 1e-5f;

    private final OptConfig cfg;
    private Attention attention; // set by the model
    private NDArray scale; // () 1/sqrt(D) for training, in the parameters' manager
    private final Map<String, Parameter> byName = new LinkedHashMap<>();
    private final Parameter qW, qB, kW, kB, vW, vB, oW, oB;
    private final Parameter ln1W, ln1B, ln2W, ln2B;
    private final Parameter fc1W, fc1B, fc2W, fc2B;

    OptDecoderLayer(OptConfig cfg) {
        this.cfg = cfg;
        int c = cfg.hiddenSize();
        int f = cfg.ffnDim();
        qW = weight("self_attn.q_proj.weight", c, c);
        qB = bias("self_attn.q_proj.bias", c);
        kW = weight("self_attn.k_proj.weight", c, c);
        kB = bias("self_attn.k_proj.bias", c);
        vW = weight("self_attn.v_proj.weight", c, c);
        vB = bias("self_attn.v_proj.bias", c);
        oW = weight("self_attn.out_proj.weight", c, c);
        oB = bias("self_attn.out_proj.bias", c);
        ln1W = norm("self_attn_layer_norm.weight", Parameter.Type.GAMMA, c);
        ln1B = norm("self_attn_layer_norm.bias", Parameter.Type.BETA, c);
        fc1W = weight("fc1.weight", f, c);
        fc1B = bias("fc1.bias", f);
        fc2W = weight("fc2.weight", c, f);
        fc2B = bias("fc2.bias", c);
        ln2W = norm("final_layer_norm.weight", Parameter.Type.GAMMA, c);
        ln2B = norm("final_layer_norm.bias", Parameter.Type.BETA, c);
    }

    /** Parameters by their HF name relative to the layer, e.g. {@code self_attn.q_proj.weight}. */
    Map<String, Parameter> parametersByName() {
        return byName;
    }

    private Parameter weight(String name, int out, int in) {
        return register(
                name,
                Parameter.Type.WEIGHT,
                new NormalInitializer(cfg.initStd()),
                new Shape(out, in));
    }

    private Parameter bias(String name, int n) {
        return cfg.enableBias()
                ? register(name, Parameter.Type.BIAS, Initializer.ZEROS, new Shape(n))
                : null;
    }

    private Parameter norm(String name, Parameter.Type type, int n) {
        if (!cfg.layerNormElementwiseAffine()) {
            return null;
        }
        return register(
                name,
                type,
                type == Parameter.Type.GAMMA ? Initializer.ONES : Initializer.ZEROS,
                new Shape(n));
    }

    private Parameter register(String name, Parameter.Type type, Initializer init, Shape shape) {
        Parameter p =
                addParameter(
                        Parameter.builder()
                                .setName(name.replace('.', '_'))
                                .setType(type)
                                .optShape(shape)
                                .optInitializer(init)
                                .build());
        byName.put(name, p);
        return p;
    }

    /** Set by {@link OptForCausalLM#attention(Attention)}. */
    void attention(Attention a) {
        this.attention = a;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0); // (B, T, C)
        NDArray mask = inputs.get(1); // (B, 1, T, S) additive, or null: causal, no padding (S = T)
        NDArray kCache = inputs.size() > 2 ? inputs.get(2) : null; // (B, H, capacity, D)
        NDArray vCache = inputs.size() > 3 ? inputs.get(3) : null;
        boolean pre = cfg.doLayerNormBefore();

        // --- self-attention block
        NDArray residual = x;
        NDArray h = pre ? layerNorm(ps, x, ln1W, ln1B, training) : x;
        h = attention(ps, h, mask, kCache, vCache, training);
        h = Dropout.dropout(h, cfg.dropout(), training).head();
        h = residual.add(h);
        if (!pre) {
            h = layerNorm(ps, h, ln1W, ln1B, training);
        }

        // --- MLP block
        residual = h;
        NDArray m = pre ? layerNorm(ps, h, ln2W, ln2B, training) : h;
        m = linear(ps, m, fc1W, fc1B, training); // (B, T, F)
        m = cfg.activationFunction().equals("relu") ? Activation.relu(m) : Activation.gelu(m);
        m = linear(ps, m, fc2W, fc2B, training); // (B, T, C)
        m = Dropout.dropout(m, cfg.dropout(), training).head();
        h = residual.add(m);
        if (!pre) {
            h = layerNorm(ps, h, ln2W, ln2B, training);
        }
        return new NDList(h);
    }

    /**
     * Self-attention of {@code x (B, T, C)} → {@code (B, T, C)}. With a cache, the new keys and
     * values are written in place at positions {@code [S − T, S)} and the queries attend over
     * {@code [0, S)}, S being the mask's last dimension.
     */
    private NDArray attention(
            ParameterStore ps,
            NDArray x,
            NDArray mask,
            NDArray kCache,
            NDArray vCache,
            boolean training) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        NDManager owner = x.getManager();
        // The scale is a tensor, not mul(Number): DJL closes a Number operand right after the op,
        // but autograd saved it for MulBackward, so backward could read freed memory (seen as
        // nondeterministic training divergence). Training keeps one per layer in the parameters'
        // manager (alive as long as the model; no host → device copy per forward); inference one
        // in the batch manager.
        NDArray scaleT =
                training ? trainingScale() : owner.create((float) (1.0 / Math.sqrt(cfg.headDim())));
        // under autocast q, k and v each cast x (as torch.autocast does): casting once would sum
        // the three gradients flowing back into x in half precision instead of fp32
        // (AutocastTest catches the difference)
        NDArray q = heads(linear(ps, x, qW, qB, training).mul(scaleT), b, t); // (B, H, T, D)
        NDArray k = heads(linear(ps, x, kW, kB, training), b, t); // (B, H, T, D)
        NDArray v = heads(linear(ps, x, vW, vB, training), b, t);
        boolean sdpa = attention == Attention.SDPA && !(training && cfg.attentionDropout() > 0);
        NDArray ctx; // (B, H, T, D)
        if (kCache != null && sdpa) {
            long past = mask.getShape().get(3) - t;
            ctx = TorchOps.cachedSdpa(q, k, v, kCache, vCache, past, mask, owner);
        } else {
            if (kCache != null) {
                long s = mask.getShape().get(3);
                k = write(kCache, k, s - t, s, owner); // (B, H, S, D)
                v = write(vCache, v, s - t, s, owner);
            }
            if (sdpa) {
                ctx =
                        mask == null
                                ? TorchOps.sdpaCausal(q, k, v, owner)
                                : TorchOps.sdpaMasked(q, k, v, mask, owner);
            } else {
                ctx = eager(ps, q, k, v, mask, training); // the model builds a mask for eager
            }
        }
        ctx = ctx.transpose(0, 2, 1, 3).reshape(b, t, cfg.hiddenSize()); // (B, T, C)
        return linear(ps, ctx, oW, oB, training);
    }

    /** {@code 1/sqrt(D)} as a 0-d fp32 tensor on the parameters' device, made on first use. */
    private NDArray trainingScale() {
        if (scale == null) { // parameters never change device
            scale = qW.getArray().getManager().create((float) (1.0 / Math.sqrt(cfg.headDim())));
        }
        return scale;
    }

    /** HF's eager attention: {@code (B, H, T, D)} with an additive {@code (B|1, 1, T, S)} mask. */
    private NDArray eager(
            ParameterStore ps, NDArray q, NDArray k, NDArray v, NDArray mask, boolean training) {
        // autocast: q, k are half; adding the fp32 mask promotes the scores to fp32, so softmax
        // runs in fp32
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).add(mask); // (B, H, T, S)
        NDArray probs = scores.softmax(-1);
        probs = Dropout.dropout(probs, cfg.attentionDropout(), training).head();
        probs = AutocastStore.half(ps, probs, probs.getManager()); // v's dtype under autocast
        return probs.matMul(v);
    }

    /**
     * {@code cache[:, :, from:to] = x} in place; returns the view {@code cache[:, :, :to]}, owned
     * by {@code owner} (a view of the cache's manager would otherwise pile up there every step).
     */
    private static NDArray write(NDArray cache, NDArray x, long from, long to, NDManager owner) {
        cache.set(new NDIndex(":, :, {}:{}", from, to), x);
        NDArray view = cache.get(new NDIndex(":, :, :{}", to));
        view.attach(owner);
        return view;
    }

    /** (B, T, C) → (B, H, T, D). */
    private NDArray heads(NDArray x, long b, long t) {
        return x.reshape(b, t, cfg.numAttentionHeads(), cfg.headDim()).transpose(0, 2, 1, 3);
    }

    /** {@code x · wᵀ + b}; in half precision under an {@link AutocastStore}. */
    static NDArray linear(
            ParameterStore ps, NDArray x, Parameter w, Parameter bias, boolean training) {
        if (ps instanceof AutocastStore a) {
            return a.linear(x, w, bias, training);
        }
        NDArray wv = ps.getValue(w, x.getDevice(), training);
        NDArray bv = bias == null ? null : ps.getValue(bias, x.getDevice(), training);
        return Linear.linear(x, wv, bv).head();
    }

    /** The parameters {@link #linear} multiplies with: projection and MLP weights and biases. */
    List<Parameter> linearParameters() {
        return Stream.of(qW, qB, kW, kB, vW, vB, oW, oB, fc1W, fc1B, fc2W, fc2B)
                .filter(Objects::nonNull)
                .toList();
    }

    private NDArray layerNorm(
            ParameterStore ps, NDArray x, Parameter w, Parameter b, boolean training) {
        return layerNorm(ps, x, w, b, training, cfg.hiddenSize());
    }

    static NDArray layerNorm(
            ParameterStore ps, NDArray x, Parameter w, Parameter b, boolean training, int width) {
        if (w == null) {
            // elementwise_affine=false: libtorch's layer_norm with unit gamma and zero beta
            // (exactly the same values as no
            // affine), not a hand-written mean/var: one fp32 ulp of difference flips fp16 roundings
            // downstream
            NDManager m = x.getManager();
            Shape c = new Shape(width);
            return LayerNorm.layerNorm(
                            x,
                            c,
                            m.ones(c, x.getDataType(), x.getDevice()),
                            m.zeros(c, x.getDataType(), x.getDevice()),
                            LN_EPS)
                    .head();
        }
        NDArray g = ps.getValue(w, x.getDevice(), training);
        NDArray bv = ps.getValue(b, x.getDevice(), training);
        return LayerNorm.layerNorm(x, new Shape(width), g, bv, LN_EPS).head();
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        // no children
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
