package dev.ouroboros.models.encoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How a sentence-transformers directory turns text into one vector, read from its {@code
 * modules.json} (when present) and the files it points to.
 *
 * <ul>
 *   <li>{@code Transformer}: the BERT checkpoint ({@code config.json}, weights, {@code
 *       tokenizer.json}) lives in {@link #modelDir()} (its {@code path}, usually the root); {@code
 *       sentence_bert_config.json}'s {@code max_seq_length} caps the tokens per sentence (else
 *       {@code max_position_embeddings});
 *   <li>{@code Pooling}: must be mean pooling ({@code pooling_mode_mean_tokens} and no other mode);
 *       anything else is refused rather than computed differently;
 *   <li>{@code Normalize}: present → each embedding is divided by its L2 norm ({@link
 *       #normalize()}).
 * </ul>
 *
 * Without {@code modules.json} the directory is a bare BERT checkpoint: mean pooling, no
 * normalisation. Any other module type (a Dense projection, …) is refused with one line.
 *
 * @param maxSeqLength tokens per sentence including {@code [CLS]} and {@code [SEP]}; 0: the model's
 *     {@code max_position_embeddings}
 */
public record EncoderLayout(Path modelDir, int maxSeqLength, boolean normalize) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads the layout of {@code dir}; one-line {@link UserInputException} on anything odd. */
    public static EncoderLayout read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new UserInputException(dir + ": not a directory (expected a sentence encoder)");
        }
        Path modules = dir.resolve("modules.json");
        Path modelDir = dir;
        boolean normalize = false;
        if (Files.exists(modules)) {
            JsonNode list = json(modules);
            if (!list.isArray()) {
                throw new UserInputException(modules + ": not a JSON list of modules");
            }
            for (JsonNode mod : list) {
                String type = mod.path("type").asText("");
                String path = mod.path("path").asText("");
                String kind = type.substring(type.lastIndexOf('.') + 1);
                switch (kind) {
                    case "Transformer" -> modelDir = dir.resolve(path).normalize();
                    case "Pooling" -> requireMeanPooling(dir.resolve(path).resolve("config.json"));
                    case "Normalize" -> normalize = true;
                    default ->
                            throw new UserInputException(
                                    modules
                                            + ": module type '"
                                            + type
                                            + "' is not supported (Transformer, Pooling with mean tokens, Normalize)");
                }
            }
        }
        return new EncoderLayout(modelDir, maxSeqLength(dir, modelDir), normalize);
    }

    private static void requireMeanPooling(Path config) {
        if (!Files.exists(config)) {
            return; // sentence-transformers' Pooling defaults to mean tokens
        }
        JsonNode n = json(config);
        boolean mean = n.path("pooling_mode_mean_tokens").asBoolean(true);
        boolean other =
                n.path("pooling_mode_cls_token").asBoolean(false)
                        || n.path("pooling_mode_max_tokens").asBoolean(false)
                        || n.path("pooling_mode_mean_sqrt_len_tokens").asBoolean(false)
                        || n.path("pooling_mode_weightedmean_tokens").asBoolean(false)
                        || n.path("pooling_mode_lasttoken").asBoolean(false);
        if (!mean || other) {
            throw new UserInputException(
                    config + ": only mean pooling (pooling_mode_mean_tokens alone) is supported");
        }
    }

    private static int maxSeqLength(Path dir, Path modelDir) {
        for (Path p :
                new Path[] {
                    dir.resolve("sentence_bert_config.json"),
                    modelDir.resolve("sentence_bert_config.json")
                }) {
            if (Files.exists(p)) {
                JsonNode v = json(p).get("max_seq_length");
                if (v != null && !v.isNull()) {
                    if (!v.isIntegralNumber() || v.asInt() < 2) {
                        throw new UserInputException(
                                p + ": max_seq_length must be an integer ≥ 2, got " + v);
                    }
                    return v.asInt();
                }
            }
        }
        return 0;
    }

    private static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            String msg = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw new UserInputException(file + ": not readable JSON (" + msg + ")");
        }
    }
}
