package dev.ouroboros.models.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One BERT encoder layer (HF {@code BertLayer}, inference): bidirectional self-attention and a GELU
 * MLP, each with a residual and LayerNorm <em>after</em> the sum (post-LN).
 *
 * <p>Inputs: {@code x (B, T, C)} and the additive padding mask {@code (B, 1, 1, T)} (0 for a real
 * token, a large negative number for padding). Output: {@code y (B, T, C)}.
 */
final class BertLayer extends AbstractBlock {
    private final BertConfig cfg;
    private final Map<String, Parameter> byName = new LinkedHashMap<>();
    private final Parameter qW, qB, kW, kB, vW, vB, oW, oB, ln1W, ln1B;
    private final Parameter upW, upB, downW, downB, ln2W, ln2B;

    BertLayer(BertConfig cfg) {
        this.cfg = cfg;
        int c = cfg.hiddenSize();
        int f = cfg.intermediateSize();
        qW = weight("attention.self.query.weight", c, c);
        qB = bias("attention.self.query.bias", c);
        kW = weight("attention.self.key.weight", c, c);
        kB = bias("attention.self.key.bias", c);
        vW = weight("attention.self.value.weight", c, c);
        vB = bias("attention.self.value.bias", c);
        oW = weight("attention.output.dense.weight", c, c);
        oB = bias("attention.output.dense.bias", c);
        ln1W = register("attention.output.LayerNorm.weight", Parameter.Type.GAMMA, c);
        ln1B = register("attention.output.LayerNorm.bias", Parameter.Type.BETA, c);
        upW = weight("intermediate.dense.weight", f, c);
        upB = bias("intermediate.dense.bias", f);
        downW = weight("output.dense.weight", c, f);
        downB = bias("output.dense.bias", c);
        ln2W = register("output.LayerNorm.weight", Parameter.Type.GAMMA, c);
        ln2B = register("output.LayerNorm.bias", Parameter.Type.BETA, c);
    }

    /**
     * Parameters by their HF name relative to the layer, e.g. {@code attention.self.query.weight}.
     */
    Map<String, Parameter> parametersByName() {
        return byName;
    }

    private Parameter weight(String name, int out, int in) {
        return register(name, Parameter.Type.WEIGHT, out, in);
    }

    private Parameter bias(String name, int n) {
        return register(name, Parameter.Type.BIAS, n);
    }

    private Parameter register(String name, Parameter.Type type, int... shape) {
        Initializer init =
                switch (type) {
                    case WEIGHT -> new NormalInitializer(0.02f);
                    case GAMMA -> Initializer.ONES;
                    default -> Initializer.ZEROS;
                };
        long[] dims = java.util.Arrays.stream(shape).asLongStream().toArray();
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

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0); // (B, T, C)
        NDArray mask = inputs.get(1); // (B, 1, 1, T) additive
        NDArray a = attention(ps, x, mask); // (B, T, C)
        NDArray h = layerNorm(ps, x.add(linear(ps, a, oW, oB)), ln1W, ln1B); // (B, T, C)
        NDArray up = linear(ps, h, upW, upB); // (B, T, F)
        up = cfg.hiddenAct().equals("gelu") ? Activation.gelu(up) : Activation.relu(up);
        NDArray y = layerNorm(ps, h.add(linear(ps, up, downW, downB)), ln2W, ln2B); // (B, T, C)
        return new NDList(y);
    }

    /** {@code softmax(q kᵀ / √D + mask) v}, heads merged back: {@code (B, T, C)}. */
    private NDArray attention(ParameterStore ps, NDArray x, NDArray mask) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        NDArray q = heads(linear(ps, x, qW, qB), b, t); // (B, H, T, D)
        NDArray k = heads(linear(ps, x, kW, kB), b, t);
        NDArray v = heads(linear(ps, x, vW, vB), b, t);
        NDArray scale = x.getManager().create((float) (1.0 / Math.sqrt(cfg.headDim())));
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale).add(mask); // (B, H, T, T)
        NDArray ctx = scores.softmax(-1).matMul(v); // (B, H, T, D)
        return ctx.transpose(0, 2, 1, 3).reshape(b, t, cfg.hiddenSize()); // (B, T, C)
    }

    /** (B, T, C) → (B, H, T, D). */
    private NDArray heads(NDArray x, long b, long t) {
        return x.reshape(b, t, cfg.numAttentionHeads(), cfg.headDim()).transpose(0, 2, 1, 3);
    }

    /** {@code x · wᵀ + b}, x first so the result stays in the batch's manager. */
    static NDArray linear(ParameterStore ps, NDArray x, Parameter w, Parameter b) {
        return Linear.linear(
                        x,
                        ps.getValue(w, x.getDevice(), false),
                        ps.getValue(b, x.getDevice(), false))
                .head();
    }

    NDArray layerNorm(ParameterStore ps, NDArray x, Parameter w, Parameter b) {
        return layerNorm(ps, x, w, b, cfg);
    }

    static NDArray layerNorm(
            ParameterStore ps, NDArray x, Parameter w, Parameter b, BertConfig cfg) {
        return LayerNorm.layerNorm(
                        x,
                        new Shape(cfg.hiddenSize()),
                        ps.getValue(w, x.getDevice(), false),
                        ps.getValue(b, x.getDevice(), false),
                        cfg.layerNormEps())
                .head();
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
