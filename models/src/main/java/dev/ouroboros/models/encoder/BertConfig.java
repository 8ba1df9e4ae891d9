package dev.ouroboros.models.encoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Every field of Hugging Face {@code BertConfig} that changes what {@link BertModel} computes at
 * inference, read from {@code config.json} (sentence-transformers/all-MiniLM-L6-v2 and other
 * BERT-family sentence encoders).
 *
 * <p>The shape keys are required; the rest default as {@code transformers.BertConfig} does. What
 * this encoder does not implement is refused with one line rather than silently computed otherwise:
 * a {@code model_type} other than bert, an activation other than exact GELU or ReLU, a {@code
 * position_embedding_type} other than absolute.
 */
public record BertConfig(
        int vocabSize,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        int maxPositionEmbeddings,
        int typeVocabSize,
        String hiddenAct,
        float layerNormEps,
        int padTokenId) {

    private static final List<String> ACTIVATIONS = List.of("gelu", "relu");

    public BertConfig {
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("intermediate_size", intermediateSize);
        positive("max_position_embeddings", maxPositionEmbeddings);
        positive("type_vocab_size", typeVocabSize);
        if (hiddenSize % numAttentionHeads != 0) {
            throw new UserInputException(
                    "config: hidden_size "
                            + hiddenSize
                            + " is not divisible by num_attention_heads "
                            + numAttentionHeads);
        }
        if (!ACTIVATIONS.contains(hiddenAct)) {
            throw new UserInputException(
                    "config: hidden_act '"
                            + hiddenAct
                            + "' is not supported (one of "
                            + ACTIVATIONS
                            + ")");
        }
        if (!(layerNormEps > 0)) {
            throw new UserInputException(
                    "config: layer_norm_eps must be positive, got " + layerNormEps);
        }
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Reads {@code config.json} of an encoder directory. */
    public static BertConfig read(Path dir) {
        Path file = dir.resolve("config.json");
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new UserInputException(
                    file + ": not found (a sentence-encoder directory needs config.json)");
        } catch (IOException e) {
            throw new UserInputException(file + ": not valid JSON (" + firstLine(e) + ")");
        }
        if (n == null || !n.isObject()) {
            throw new UserInputException(file + ": not a JSON object");
        }
        String type = n.path("model_type").asText("");
        if (!type.equals("bert")) {
            throw new UserInputException(
                    file + ": model_type '" + type + "' is not supported (only 'bert')");
        }
        String positions = n.path("position_embedding_type").asText("absolute");
        if (!positions.equals("absolute")) {
            throw new UserInputException(
                    file
                            + ": position_embedding_type '"
                            + positions
                            + "' is not supported (only 'absolute')");
        }
        try {
            return new BertConfig(
                    required(n, "vocab_size", file),
                    required(n, "hidden_size", file),
                    required(n, "num_hidden_layers", file),
                    required(n, "num_attention_heads", file),
                    required(n, "intermediate_size", file),
                    n.path("max_position_embeddings").asInt(512),
                    n.path("type_vocab_size").asInt(2),
                    n.path("hidden_act").asText("gelu"),
                    (float) n.path("layer_norm_eps").asDouble(1e-12),
                    n.path("pad_token_id").asInt(0));
        } catch (UserInputException e) {
            throw e.getMessage().startsWith(file.toString())
                    ? e
                    : new UserInputException(
                            file + ": " + e.getMessage().replaceFirst("^config: ", ""));
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

    private static String firstLine(Exception e) {
        String s = String.valueOf(e.getMessage());
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
