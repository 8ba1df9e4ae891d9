package dev.ouroboros.models.encoder;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.MappingScope;
import dev.ouroboros.models.io.StateDicts;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A sentence-transformers BERT encoder (e.g. all-MiniLM-L6-v2) on one device: {@link BertModel},
 * mean pooling over the attention mask, and the L2 normalisation of a {@code Normalize} module
 * ({@link EncoderLayout}); text is tokenized by DJL's {@link HuggingFaceTokenizer} from the
 * checkpoint's {@code tokenizer.json} ({@code [CLS] … [SEP]}, truncated to {@code max_seq_length}).
 *
 * <p>{@link #embed} returns {@code (N, C)} on the encoder's device; a batch crosses to the device
 * once as two {@code (b, T)} arrays, and nothing per sentence comes back to the host.
 */
public final class SentenceEncoder implements AutoCloseable {
    private final Model model;
    private final BertModel block;
    private final ParameterStore ps;
    private final HuggingFaceTokenizer tokenizer;
    private final EncoderLayout layout;

    private SentenceEncoder(
            Model model, BertModel block, HuggingFaceTokenizer tokenizer, EncoderLayout layout) {
        this.model = model;
        this.block = block;
        this.ps = new ParameterStore(model.getNDManager(), false);
        this.tokenizer = tokenizer;
        this.layout = layout;
    }

    /**
     * Loads the encoder in {@code dir} onto {@code device}; weights through the safe loaders
     * ({@link StateDicts}: safetensors, or a pickle under the allow-list), memory-mapped and
     * unmapped as each parameter holds its copy.
     */
    public static SentenceEncoder load(Path dir, Device device) {
        EncoderLayout layout = EncoderLayout.read(dir);
        BertConfig cfg = BertConfig.read(layout.modelDir());
        HuggingFaceTokenizer tok = tokenizer(layout, cfg);
        BertModel block = new BertModel(cfg);
        Model model = Model.newInstance("sentence-encoder", device);
        try (MappingScope mappings = new MappingScope()) {
            BertWeights.bind(
                    block,
                    StateDicts.read(layout.modelDir(), mappings),
                    layout.modelDir().toString(),
                    mappings::release);
            model.setBlock(block);
            block.initialize(model.getNDManager());
            block.freezeParameters(true);
        } catch (RuntimeException | OutOfMemoryError e) {
            model.close();
            tok.close();
            throw e;
        }
        return new SentenceEncoder(model, block, tok, layout);
    }

    /**
     * What {@code ouro validate} checks without allocating the model: the layout, {@code
     * config.json}, a loadable {@code tokenizer.json}, and weights whose names, shapes and dtypes
     * fit the config. One-line {@link UserInputException} otherwise.
     *
     * @return what was found, e.g. {@code BERT 6 layers, hidden 384, 256 tokens per sentence, mean
     *     pooling, normalised}
     */
    public static String check(Path dir) {
        EncoderLayout layout = EncoderLayout.read(dir);
        BertConfig cfg = BertConfig.read(layout.modelDir());
        tokenizer(layout, cfg).close();
        try (MappingScope mappings = new MappingScope()) {
            BertWeights.bind(
                    new BertModel(cfg),
                    StateDicts.read(layout.modelDir(), mappings),
                    layout.modelDir().toString(),
                    t -> {});
        }
        return "BERT "
                + cfg.numHiddenLayers()
                + " layers, hidden "
                + cfg.hiddenSize()
                + ", "
                + maxSeqLength(layout, cfg)
                + " tokens per sentence, mean pooling"
                + (layout.normalize() ? ", normalised" : "");
    }

    private static int maxSeqLength(EncoderLayout layout, BertConfig cfg) {
        int cap = cfg.maxPositionEmbeddings();
        return layout.maxSeqLength() > 0 ? Math.min(layout.maxSeqLength(), cap) : cap;
    }

    /** Tokens per sentence, {@code [CLS]} and {@code [SEP]} included. */
    public int maxSeqLength() {
        return maxSeqLength(layout, block.config());
    }

    private static HuggingFaceTokenizer tokenizer(EncoderLayout layout, BertConfig cfg) {
        Path file = layout.modelDir().resolve("tokenizer.json");
        if (!Files.exists(file)) {
            throw new UserInputException(
                    file
                            + ": not found (the encoder needs the fast tokenizer's tokenizer.json;"
                            + " a vocab.txt-only checkpoint can be re-saved with"
                            + " AutoTokenizer.from_pretrained(dir).save_pretrained(dir))");
        }
        int max = maxSeqLength(layout, cfg);
        // truncation keeps [CLS] … [SEP] (the post-processor adds them after truncating); no
        // padding: each batch is padded to its own longest row here
        Map<String, String> options =
                Map.of(
                        "addSpecialTokens", "true",
                        "truncation", "true",
                        "padding", "false",
                        "maxLength", Integer.toString(max),
                        "modelMaxLength", Integer.toString(max));
        HuggingFaceTokenizer tok;
        try (InputStream in = Files.newInputStream(file)) {
            tok = HuggingFaceTokenizer.newInstance(in, options);
        } catch (IOException | RuntimeException e) {
            String msg = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw new UserInputException(file + ": not a loadable tokenizer (" + msg + ")");
        }
        long limit = idLimit(file);
        if (limit > cfg.vocabSize()) {
            tok.close();
            throw new UserInputException(
                    file
                            + ": the tokenizer's ids reach "
                            + (limit - 1)
                            + ", outside the encoder's vocab_size "
                            + cfg.vocabSize()
                            + " (a tokenizer of another model?)");
        }
        return tok;
    }

    /** One more than the largest id of {@code tokenizer.json}'s vocabulary and added tokens. */
    private static long idLimit(Path file) {
        try {
            com.fasterxml.jackson.databind.JsonNode n =
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
            long max = -1;
            for (com.fasterxml.jackson.databind.JsonNode id : n.path("model").path("vocab")) {
                max = Math.max(max, id.asLong());
            }
            for (com.fasterxml.jackson.databind.JsonNode t : n.path("added_tokens")) {
                max = Math.max(max, t.path("id").asLong());
            }
            return max + 1;
        } catch (IOException e) {
            throw new UserInputException(file + ": not readable JSON (" + e.getMessage() + ")");
        }
    }

    /** The token ids of each sentence as the encoder sees them (truncated, with specials). */
    public long[][] tokenIds(List<String> sentences) {
        Encoding[] enc = tokenizer.batchEncode(sentences.toArray(String[]::new));
        long[][] out = new long[enc.length][];
        for (int i = 0; i < enc.length; i++) {
            out[i] = enc[i].getIds();
        }
        return out;
    }

    /** Embedding width C. */
    public int dimension() {
        return block.config().hiddenSize();
    }

    public Device device() {
        return model.getNDManager().getDevice();
    }

    /**
     * The embeddings of {@code sentences}, {@code (N, C)} FLOAT32 in {@code m} (which must be on
     * {@link #device()}), row i for sentence i; L2-normalised when the directory has a {@code
     * Normalize} module. Sentences are batched {@code batchSize} at a time in order of token length
     * (less padding); padding does not change a row (mean pooling over the mask).
     */
    public NDArray embed(NDManager m, List<String> sentences, int batchSize) {
        long[][] ids = tokenIds(sentences);
        int n = ids.length;
        int[] order =
                IntStream.range(0, n)
                        .boxed()
                        .sorted(Comparator.comparingInt(i -> ids[i].length))
                        .mapToInt(Integer::intValue)
                        .toArray();
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            NDList parts = new NDList();
            for (int start = 0; start < n; start += batchSize) {
                int[] rows =
                        java.util.Arrays.copyOfRange(order, start, Math.min(n, start + batchSize));
                parts.add(embedBatch(m, ids, rows));
            }
            if (n == 0) {
                return m.zeros(new ai.djl.ndarray.types.Shape(0, dimension()));
            }
            NDArray sorted = parts.size() == 1 ? parts.head() : NDArrays.concat(parts, 0); // (N, C)
            long[] inverse = new long[n];
            for (int i = 0; i < n; i++) {
                inverse[order[i]] = i;
            }
            return sorted.get(m.create(inverse)); // (N, C) in input order
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    /** Mean-pooled (and maybe normalised) embeddings of {@code ids[rows]}: {@code (b, C)} in m. */
    private NDArray embedBatch(NDManager m, long[][] ids, int[] rows) {
        int t = 0;
        for (int r : rows) {
            t = Math.max(t, ids[r].length);
        }
        long[][] tok = new long[rows.length][t];
        long[][] mask = new long[rows.length][t];
        for (int i = 0; i < rows.length; i++) {
            long[] row = ids[rows[i]];
            java.util.Arrays.fill(tok[i], block.config().padTokenId());
            System.arraycopy(row, 0, tok[i], 0, row.length);
            java.util.Arrays.fill(mask[i], 0, row.length, 1L);
        }
        try (NDManager batch = m.newSubManager()) {
            NDArray maskArr = batch.create(mask); // (b, T)
            NDArray hidden =
                    block.forward(ps, new NDList(batch.create(tok), maskArr), false).head();
            NDArray out = meanPool(hidden, maskArr); // (b, C)
            if (layout.normalize()) {
                out = l2Normalize(out);
            }
            out.attach(m);
            return out;
        }
    }

    /**
     * sentence-transformers' mean pooling: {@code Σ_t h·mask / max(Σ_t mask, 1e-9)}, {@code (B, T,
     * C), (B, T) → (B, C)}.
     */
    static NDArray meanPool(NDArray hidden, NDArray mask) {
        NDArray w = mask.toType(DataType.FLOAT32, false).expandDims(2); // (B, T, 1)
        NDArray sum = hidden.mul(w).sum(new int[] {1}); // (B, C)
        NDArray count = w.sum(new int[] {1}).maximum(1e-9f); // (B, 1)
        return sum.div(count);
    }

    /** {@code torch.nn.functional.normalize(x, p=2, dim=1)}: {@code x / max(‖x‖, 1e-12)}. */
    static NDArray l2Normalize(NDArray x) {
        NDArray norm = x.pow(2).sum(new int[] {1}, true).sqrt().maximum(1e-12f); // (B, 1)
        return x.div(norm);
    }

    @Override
    public void close() {
        tokenizer.close();
        model.close();
    }
}
