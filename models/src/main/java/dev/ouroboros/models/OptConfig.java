package dev.ouroboros.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.models.io.AtomicFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Every field of Hugging Face {@code OPTConfig} that changes the computation, read from {@code
 * config.json}.
 *
 * <p>Unknown keys are ignored (HF configs carry many); the six shape keys are required; the rest
 * default as {@code transformers.OPTConfig} does. {@code layerdrop} is not implemented (it is 0 in
 * every released OPT) and is refused when non-zero rather than silently ignored.
 */
public record OptConfig(
        int vocabSize,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int ffnDim,
        int maxPositionEmbeddings,
        int wordEmbedProjDim,
        boolean doLayerNormBefore,
        boolean removeFinalLayerNorm,
        String activationFunction,
        boolean enableBias,
        boolean layerNormElementwiseAffine,
        boolean tieWordEmbeddings,
        float dropout,
        float attentionDropout,
        float initStd,
        int padTokenId,
        int bosTokenId,
        int eosTokenId) {

    /** OPT's learned positions are offset by 2 (a fairseq legacy): row p+2 holds position p. */
    public static final int POSITION_OFFSET = 2;

    private static final List<String> ACTIVATIONS = List.of("relu", "gelu");

    public OptConfig {
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("ffn_dim", ffnDim);
        positive("max_position_embeddings", maxPositionEmbeddings);
        positive("word_embed_proj_dim", wordEmbedProjDim);
        if (hiddenSize % numAttentionHeads != 0) {
            throw new UserInputException(
                    "config: hidden_size "
                            + hiddenSize
                            + " is not divisible by num_attention_heads "
                            + numAttentionHeads);
        }
        if (!ACTIVATIONS.contains(activationFunction)) {
            throw new UserInputException(
                    "config: activation_function '"
                            + activationFunction
                            + "' is not supported (one of "
                            + ACTIVATIONS
                            + ")");
        }
        probability("dropout", dropout);
        probability("attention_dropout", attentionDropout);
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Whether embeddings are projected between word_embed_proj_dim and hidden_size (OPT-350m). */
    public boolean hasProjection() {
        return wordEmbedProjDim != hiddenSize;
    }

    /** HF builds the decoder's final LayerNorm only for pre-LN models. */
    public boolean hasFinalLayerNorm() {
        return doLayerNormBefore && !removeFinalLayerNorm;
    }

    /** A tiny config for tests and from-scratch training. */
    public static OptConfig tiny(
            int vocabSize, int hidden, int layers, int heads, int ffn, int maxPositions) {
        return new OptConfig(
                vocabSize,
                hidden,
                layers,
                heads,
                ffn,
                maxPositions,
                hidden,
                true,
                false,
                "relu",
                true,
                true,
                true,
                0.0f,
                0.0f,
                0.02f,
                1,
                2,
                2);
    }

    /** Same config with other dropout rates. */
    public OptConfig withDropout(float dropout, float attentionDropout) {
        return new OptConfig(
                vocabSize,
                hiddenSize,
                numHiddenLayers,
                numAttentionHeads,
                ffnDim,
                maxPositionEmbeddings,
                wordEmbedProjDim,
                doLayerNormBefore,
                removeFinalLayerNorm,
                activationFunction,
                enableBias,
                layerNormElementwiseAffine,
                tieWordEmbeddings,
                dropout,
                attentionDropout,
                initStd,
                padTokenId,
                bosTokenId,
                eosTokenId);
    }

    /** Reads {@code config.json} from a file or a checkpoint directory. */
    public static OptConfig read(Path fileOrDir) {
        Path file = Files.isDirectory(fileOrDir) ? fileOrDir.resolve("config.json") : fileOrDir;
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new UserInputException(
                    file + ": not found (a checkpoint directory needs config.json)");
        } catch (IOException e) {
            throw new UserInputException(file + ": not valid JSON (" + oneLine(e) + ")");
        }
        if (n == null || !n.isObject()) {
            throw new UserInputException(file + ": not a JSON object");
        }
        String type = n.path("model_type").asText("opt");
        if (!type.equals("opt")) {
            throw new UserInputException(
                    file + ": model_type '" + type + "' is not supported (only 'opt')");
        }
        if (n.path("layerdrop").asDouble(0) != 0) {
            throw new UserInputException(file + ": layerdrop > 0 is not supported");
        }
        try {
            int hidden = required(n, "hidden_size", file);
            return new OptConfig(
                    required(n, "vocab_size", file),
                    hidden,
                    required(n, "num_hidden_layers", file),
                    required(n, "num_attention_heads", file),
                    required(n, "ffn_dim", file),
                    required(n, "max_position_embeddings", file),
                    n.path("word_embed_proj_dim").isNumber()
                            ? n.get("word_embed_proj_dim").asInt()
                            : hidden,
                    n.path("do_layer_norm_before").asBoolean(true),
                    n.path("_remove_final_layer_norm").asBoolean(false),
                    n.path("activation_function").asText("relu"),
                    n.path("enable_bias").asBoolean(true),
                    n.path("layer_norm_elementwise_affine").asBoolean(true),
                    n.path("tie_word_embeddings").asBoolean(true),
                    (float) n.path("dropout").asDouble(0.1),
                    (float) n.path("attention_dropout").asDouble(0.0),
                    (float) n.path("init_std").asDouble(0.02),
                    n.path("pad_token_id").asInt(1),
                    n.path("bos_token_id").asInt(2),
                    n.path("eos_token_id").asInt(2));
        } catch (UserInputException e) {
            throw e.getMessage().startsWith(file.toString())
                    ? e
                    : new UserInputException(
                            file + ": " + e.getMessage().replaceFirst("^config: ", ""));
        }
    }

    /**
     * Writes {@code config.json} in HF layout so that {@code transformers} loads it as
     * OPTForCausalLM.
     */
    public void write(Path file) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode n = m.createObjectNode();
        n.putArray("architectures").add("OPTForCausalLM");
        n.put("model_type", "opt");
        n.put("vocab_size", vocabSize);
        n.put("hidden_size", hiddenSize);
        n.put("num_hidden_layers", numHiddenLayers);
        n.put("num_attention_heads", numAttentionHeads);
        n.put("ffn_dim", ffnDim);
        n.put("max_position_embeddings", maxPositionEmbeddings);
        n.put("word_embed_proj_dim", wordEmbedProjDim);
        n.put("do_layer_norm_before", doLayerNormBefore);
        n.put("_remove_final_layer_norm", removeFinalLayerNorm);
        n.put("activation_function", activationFunction);
        n.put("enable_bias", enableBias);
        n.put("layer_norm_elementwise_affine", layerNormElementwiseAffine);
        n.put("tie_word_embeddings", tieWordEmbeddings);
        n.put("dropout", dropout);
        n.put("attention_dropout", attentionDropout);
        n.put("activation_dropout", 0.0);
        n.put("layerdrop", 0.0);
        n.put("init_std", initStd);
        n.put("pad_token_id", padTokenId);
        n.put("bos_token_id", bosTokenId);
        n.put("eos_token_id", eosTokenId);
        n.put("torch_dtype", "float32");
        n.put("use_cache", true);
        try {
            AtomicFile.write(file, m.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int required(JsonNode n, String key, Path file) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            throw new UserInputException(file + ": required key '" + key + "' is missing");
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new UserInputException(file + ": '" + key + "' must be an integer, got " + v);
        }
        return v.asInt();
    }

    private static void positive(String key, int v) {
        if (v <= 0) {
            throw new UserInputException("config: " + key + " must be positive, got " + v);
        }
    }

    private static void probability(String key, float v) {
        if (!(v >= 0 && v < 1)) {
            throw new UserInputException("config: " + key + " must be in [0, 1), got " + v);
        }
    }

    private static String oneLine(Exception e) {
        String s = String.valueOf(e.getMessage());
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
