package dev.ouroboros.datasets;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.models.io.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a Hugging Face {@code tokenizer.json} with a word-level model for a closed vocabulary (the
 * ground-truth language): {@code OptTokenizer.load} and transformers' {@code AutoTokenizer} both
 * load it.
 *
 * <ul>
 *   <li>Ids as in OPT: {@code <s>}=0, {@code <pad>}=1, {@code </s>}=2 (BOS, prepended by a
 *       TemplateProcessing post-processor), {@code <unk>}=3; then {@code "\n"}=4, then the words in
 *       the given order.
 *   <li>Pre-tokenizer: a Split that keeps every run of non-whitespace and every newline and drops
 *       other whitespace, so lines stay visible to the model (the newline is a token).
 *   <li>No decoder: decoding joins tokens with single spaces, which restores text whose tokens are
 *       separated by single spaces (the ground-truth language's format) exactly, except that a
 *       newline comes back with a space on each side.
 * </ul>
 */
public final class WordLevelTokenizer {
    /** Special tokens in id order. */
    public static final List<String> SPECIALS = List.of("<s>", "<pad>", "</s>", "<unk>");

    /** Id of the newline token. */
    public static final int NEWLINE_ID = 4;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private WordLevelTokenizer() {}

    /**
     * Writes {@code tokenizer.json} and {@code tokenizer_config.json} for {@code words} into {@code
     * dir}.
     *
     * @throws IllegalArgumentException if a word is repeated, empty, contains whitespace or is a
     *     special token
     */
    public static void write(Path dir, List<String> words) {
        ObjectNode spec = spec(words);
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = NODES.objectNode();
        config.put("bos_token", "</s>");
        config.put("eos_token", "</s>");
        config.put("unk_token", "<unk>");
        config.put("pad_token", "<pad>");
        config.put("add_bos_token", true);
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        try {
            AtomicFile.write(
                    dir.resolve("tokenizer.json"),
                    json.writerWithDefaultPrettyPrinter().writeValueAsBytes(spec));
            AtomicFile.write(
                    dir.resolve("tokenizer_config.json"),
                    json.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code tokenizer.json} tree for {@code words}. */
    public static ObjectNode spec(List<String> words) {
        ObjectNode spec = NODES.objectNode();
        spec.put("version", "1.0");
        spec.putNull("truncation");
        spec.putNull("padding");
        ArrayNode added = spec.putArray("added_tokens");
        for (int id = 0; id < SPECIALS.size(); id++) {
            added.addObject()
                    .put("id", id)
                    .put("content", SPECIALS.get(id))
                    .put("single_word", false)
                    .put("lstrip", false)
                    .put("rstrip", false)
                    .put("normalized", false)
                    .put("special", true);
        }
        spec.putNull("normalizer");
        ObjectNode pre = spec.putObject("pre_tokenizer");
        pre.put("type", "Split");
        pre.putObject("pattern").put("Regex", "\\S+|\\n");
        pre.put("behavior", "Removed");
        pre.put("invert", true);
        ObjectNode post = spec.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        post.putArray("single").add(special("</s>", 0)).add(sequence("A", 0));
        post.putArray("pair")
                .add(special("</s>", 0))
                .add(sequence("A", 0))
                .add(special("</s>", 1))
                .add(sequence("B", 1));
        ObjectNode bos = post.putObject("special_tokens").putObject("</s>");
        bos.put("id", "</s>");
        bos.putArray("ids").add(2);
        bos.putArray("tokens").add("</s>");
        spec.putNull("decoder");
        ObjectNode model = spec.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < SPECIALS.size(); id++) {
            vocab.put(SPECIALS.get(id), id);
        }
        vocab.put("\n", NEWLINE_ID);
        int next = NEWLINE_ID + 1;
        for (String w : words) {
            if (w.isEmpty() || w.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException(
                        "word-level tokens must be non-empty and without whitespace: \""
                                + w
                                + "\"");
            }
            if (vocab.has(w)) {
                throw new IllegalArgumentException("duplicate or reserved token \"" + w + "\"");
            }
            vocab.put(w, next++);
        }
        model.put("unk_token", "<unk>");
        return spec;
    }

    private static ObjectNode special(String id, int typeId) {
        ObjectNode n = NODES.objectNode();
        n.putObject("SpecialToken").put("id", id).put("type_id", typeId);
        return n;
    }

    private static ObjectNode sequence(String id, int typeId) {
        ObjectNode n = NODES.objectNode();
        n.putObject("Sequence").put("id", id).put("type_id", typeId);
        return n;
    }
}
