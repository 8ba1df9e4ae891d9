package dev.ouroboros.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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
 * <p>Inputs: {@code x (B, T, C)}, additive attention mask {@code (B, 1, T, S)}, and optionally the
 * cached {@code pastK, pastV (B, H, S−T, D)}. Outputs: {@code y (B, T, C)}, {@code k, v (B, H, S,
 * D)}.
 */
final class OptDecoderLayer extends AbstractBlock {
    private static final float LN_EPS = 1e-5f;

    private final OptConfig cfg;
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

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0); // (B, T, C)
        NDArray mask = inputs.get(1); // (B, 1, T, S) additive
        NDArray pastK = inputs.size() > 2 ? inputs.get(2) : null; // (B, H, S-T, D)
        NDArray pastV = inputs.size() > 3 ? inputs.get(3) : null;
        boolean pre = cfg.doLayerNormBefore();

        // --- self-attention block
        NDArray residual = x;
        NDArray h = pre ? layerNorm(ps, x, ln1W, ln1B, training) : x;
        NDList att = attention(ps, h, mask, pastK, pastV, training);
        h = Dropout.dropout(att.get(0), cfg.dropout(), training).head();
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
        return new NDList(h, att.get(1), att.get(2));
    }

    private NDList attention(
            ParameterStore ps,
            NDArray x,
            NDArray mask,
            NDArray pastK,
            NDArray pastV,
            boolean training) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        int heads = cfg.numAttentionHeads();
        int d = cfg.headDim();
        float scale = (float) (1.0 / Math.sqrt(d));
        // The scale is a tensor owned by the batch manager, not mul(Number): DJL closes a Number
        // operand right after
        // the op, but autograd saved it for MulBackward, so backward could read freed memory (seen
        // as nondeterministic
        // training divergence). The batch manager keeps it alive until after backward.
        NDArray scaleT = x.getManager().create(scale);
        // under autocast q, k and v each cast x (as torch.autocast does): casting once would sum
        // the three gradients
        // flowing back into x in half precision instead of fp32 (AutocastTest catches the
        // difference)
        NDArray q = heads(linear(ps, x, qW, qB, training).mul(scaleT), b, t); // (B, H, T, D)
        NDArray k = heads(linear(ps, x, kW, kB, training), b, t); // (B, H, T, D)
        NDArray v = heads(linear(ps, x, vW, vB, training), b, t);
        if (pastK != null) {
            k = pastK.concat(k, 2); // (B, H, S, D)
            v = pastV.concat(v, 2);
        }
        // autocast: q, k are half; adding the fp32 mask promotes the scores to fp32, so softmax
        // runs in fp32
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).add(mask); // (B, H, T, S)
        NDArray probs = scores.softmax(-1);
        probs = Dropout.dropout(probs, cfg.attentionDropout(), training).head();
        probs =
                AutocastStore.half(
                        ps, probs, probs.getManager()); // matches v's dtype under autocast
        NDArray ctx =
                probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, cfg.hiddenSize()); // (B, T, C)
        return new NDList(linear(ps, ctx, oW, oB, training), k, v);
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
