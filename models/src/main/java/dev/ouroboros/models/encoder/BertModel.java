package dev.ouroboros.models.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
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
 * A BERT encoder as DJL blocks, computing what HF {@code BertModel(...).last_hidden_state} computes
 * at inference (no pooler: sentence encoders mean-pool instead, {@link SentenceEncoder}).
 *
 * <p>Forward inputs: {@code inputIds (B, T)} INT64 and {@code attentionMask (B, T)} INT64 (1 = real
 * token, 0 = padding, right-padded). Positions are {@code 0..T−1} and every token type is 0 (one
 * segment), as sentence-transformers encodes a single sentence. Output: {@code hidden (B, T, C)}.
 *
 * <p>Parameters keep HF {@code BertModel} state-dict names in {@link #parametersByName()} ({@code
 * embeddings.word_embeddings.weight}, {@code encoder.layer.0.attention.self.query.weight}, …).
 */
public final class BertModel extends AbstractBlock {
    private final BertConfig cfg;
    private final Parameter wordEmb; // (V, C)
    private final Parameter posEmb; // (P, C)
    private final Parameter typeEmb; // (2, C)
    private final Parameter embLnW, embLnB; // (C)
    private final List<BertLayer> layers = new ArrayList<>();
    private final Map<String, Parameter> byName = new LinkedHashMap<>();

    public BertModel(BertConfig cfg) {
        this.cfg = cfg;
        int c = cfg.hiddenSize();
        wordEmb =
                register(
                        "embeddings.word_embeddings.weight",
                        Parameter.Type.WEIGHT,
                        cfg.vocabSize(),
                        c);
        posEmb =
                register(
                        "embeddings.position_embeddings.weight",
                        Parameter.Type.WEIGHT,
                        cfg.maxPositionEmbeddings(),
                        c);
        typeEmb =
                register(
                        "embeddings.token_type_embeddings.weight",
                        Parameter.Type.WEIGHT,
                        cfg.typeVocabSize(),
                        c);
        embLnW = register("embeddings.LayerNorm.weight", Parameter.Type.GAMMA, c);
        embLnB = register("embeddings.LayerNorm.bias", Parameter.Type.BETA, c);
        for (int i = 0; i < cfg.numHiddenLayers(); i++) {
            BertLayer layer = addChildBlock("layer_" + i, new BertLayer(cfg));
            layers.add(layer);
            for (Map.Entry<String, Parameter> e : layer.parametersByName().entrySet()) {
                byName.put("encoder.layer." + i + "." + e.getKey(), e.getValue());
            }
        }
    }

    public BertConfig config() {
        return cfg;
    }

    /** Every parameter by HF {@code BertModel} state-dict name, in a stable order. */
    public Map<String, Parameter> parametersByName() {
        return Collections.unmodifiableMap(byName);
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

    /** Allocates the parameters on {@code manager}'s device (their values: the bound tensors). */
    public void initialize(NDManager manager) {
        initialize(manager, DataType.FLOAT32, new Shape(1, 1), new Shape(1, 1));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.get(0); // (B, T)
        NDArray mask = inputs.get(1); // (B, T) 1 = token, 0 = padding
        long b = ids.getShape().get(0);
        long t = ids.getShape().get(1);
        if (t > cfg.maxPositionEmbeddings()) {
            throw new IllegalArgumentException(
                    "sequence of "
                            + t
                            + " tokens > max_position_embeddings "
                            + cfg.maxPositionEmbeddings());
        }
        NDManager m = ids.getManager();
        NDArray pos = m.arange(0, t, 1, DataType.INT64, ids.getDevice()); // (T)
        NDArray x = embedding(ids, ps.getValue(wordEmb, ids.getDevice(), false)); // (B, T, C)
        x = x.add(embedding(pos, ps.getValue(posEmb, x.getDevice(), false))); // + (T, C)
        NDArray type0 = ps.getValue(typeEmb, x.getDevice(), false).get(0); // (C): token type 0
        x = BertLayer.layerNorm(ps, x.add(type0), embLnW, embLnB, cfg);
        // HF's extended mask: 0 where a key is a token, a large negative number on padding
        NDArray additive =
                mask.reshape(b, 1, 1, t).toType(DataType.FLOAT32, false).sub(1f).mul(1e9f);
        for (BertLayer layer : layers) {
            x = layer.forward(ps, new NDList(x, additive), false).head(); // (B, T, C)
        }
        return new NDList(x);
    }

    private static NDArray embedding(NDArray ids, NDArray table) {
        return Embedding.embedding(ids, table, SparseFormat.DENSE).head();
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        for (BertLayer layer : layers) {
            layer.initialize(
                    manager, dataType, new Shape(1, 1, cfg.hiddenSize()), new Shape(1, 1, 1, 1));
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape ids = inputShapes[0];
        return new Shape[] {new Shape(ids.get(0), ids.get(1), cfg.hiddenSize())};
    }
}
