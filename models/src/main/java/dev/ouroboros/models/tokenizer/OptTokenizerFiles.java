package dev.ouroboros.models.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the files of an OPT checkpoint's tokenizer ({@code vocab.json}, {@code merges.txt}, the
 * special-token configs) and builds the {@code tokenizer.json} that transformers writes for {@code
 * facebook/opt-*}: ByteLevel BPE with a BOS template. {@link OptTokenizer} loads what this builds.
 */
final class OptTokenizerFiles {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private OptTokenizerFiles() {}

    /** Spellings of the special tokens before their ids are known. */
    record SpecialNames(String bos, String eos, String unk, String pad) {
        static final SpecialNames OPT = new SpecialNames("</s>", "</s>", "</s>", "<pad>");

        Set<String> distinct() {
            return new LinkedHashSet<>(List.of(bos, eos, unk, pad));
        }
    }

    /**
     * The tokenizer.json that transformers writes for facebook/opt-* (ByteLevel BPE, BOS template).
     */
    static ObjectNode buildSpec(
            ObjectNode vocab, ArrayNode merges, SpecialNames names, Path vocabFile) {
        ObjectNode spec = NODES.objectNode();
        spec.put("version", "1.0");
        spec.putNull("truncation");
        spec.putNull("padding");
        ArrayNode added = spec.putArray("added_tokens");
        Map<Integer, String> specialById = new TreeMap<>();
        for (String token : names.distinct()) {
            JsonNode id = vocab.get(token);
            if (id == null) {
                throw new UserInputException(
                        vocabFile + ": special token " + token + " is not in the vocab");
            }
            specialById.put(id.intValue(), token);
        }
        specialById.forEach(
                (id, token) ->
                        added.addObject()
                                .put("id", id)
                                .put("content", token)
                                .put("single_word", false)
                                .put("lstrip", false)
                                .put("rstrip", false)
                                .put("normalized", true)
                                .put("special", true));
        spec.putNull("normalizer");
        spec.set("pre_tokenizer", byteLevel(false));
        spec.set("post_processor", bosTemplate(names.bos(), vocab.get(names.bos()).intValue()));
        spec.set("decoder", byteLevel(true));
        ObjectNode model = spec.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        model.set("vocab", vocab);
        model.set("merges", merges);
        return spec;
    }

    /**
     * ByteLevel pre-tokenizer/decoder; transformers writes the decoder with add_prefix_space true.
     */
    private static ObjectNode byteLevel(boolean addPrefixSpace) {
        return NODES.objectNode()
                .put("type", "ByteLevel")
                .put("add_prefix_space", addPrefixSpace)
                .put("trim_offsets", true)
                .put("use_regex", true);
    }

    /**
     * TemplateProcessing: {@code bos $A} and {@code bos $A bos $B}, as transformers builds it for
     * OPT.
     */
    static ObjectNode bosTemplate(String bos, int bosId) {
        ObjectNode template = NODES.objectNode().put("type", "TemplateProcessing");
        ArrayNode single = template.putArray("single");
        addSpecial(single, bos, 0);
        addSequence(single, "A", 0);
        ArrayNode pair = template.putArray("pair");
        addSpecial(pair, bos, 0);
        addSequence(pair, "A", 0);
        addSpecial(pair, bos, 1);
        addSequence(pair, "B", 1);
        ObjectNode entry = template.putObject("special_tokens").putObject(bos);
        entry.put("id", bos);
        entry.putArray("ids").add(bosId);
        entry.putArray("tokens").add(bos);
        return template;
    }

    private static void addSpecial(ArrayNode pieces, String token, int typeId) {
        pieces.addObject().putObject("SpecialToken").put("id", token).put("type_id", typeId);
    }

    private static void addSequence(ArrayNode pieces, String id, int typeId) {
        pieces.addObject().putObject("Sequence").put("id", id).put("type_id", typeId);
    }

    /**
     * Special-token spellings from tokenizer_config.json, then special_tokens_map.json, then OPT's.
     */
    static SpecialNames readSpecialNames(Path dir) {
        String[] keys = {"bos_token", "eos_token", "unk_token", "pad_token"};
        String[] defaults = {
            SpecialNames.OPT.bos(),
            SpecialNames.OPT.eos(),
            SpecialNames.OPT.unk(),
            SpecialNames.OPT.pad()
        };
        String[] found = new String[keys.length];
        for (String name :
                List.of(OptTokenizer.TOKENIZER_CONFIG, OptTokenizer.SPECIAL_TOKENS_MAP)) {
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file)) {
                continue;
            }
            ObjectNode config = readJson(file);
            for (int i = 0; i < keys.length; i++) {
                JsonNode value = config.path(keys[i]);
                // Either "</s>" or {"content": "</s>", ...} (AddedToken).
                String token =
                        value.isTextual() ? value.asText() : value.path("content").asText(null);
                if (found[i] == null && token != null) {
                    found[i] = token;
                }
            }
        }
        for (int i = 0; i < keys.length; i++) {
            if (found[i] == null) {
                found[i] = defaults[i];
            }
        }
        return new SpecialNames(found[0], found[1], found[2], found[3]);
    }

    static ObjectNode readVocab(Path file) {
        ObjectNode vocab = readJson(file);
        Iterator<Map.Entry<String, JsonNode>> it = vocab.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber()) {
                throw new UserInputException(
                        file
                                + ": token "
                                + e.getKey()
                                + " maps to "
                                + e.getValue()
                                + ", not an integer id");
            }
        }
        return vocab;
    }

    /** Merges as {@code "a b"} strings, without the {@code #version} header and empty lines. */
    static ArrayNode readMerges(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read (" + firstLine(e) + ")", e);
        }
        ArrayNode merges = NODES.arrayNode();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) {
                continue;
            }
            if (line.split(" ", -1).length != 2) {
                throw new UserInputException(
                        file
                                + ":"
                                + (i + 1)
                                + ": expected two space-separated symbols, got \""
                                + line
                                + "\"");
            }
            merges.add(line);
        }
        if (merges.isEmpty()) {
            throw new UserInputException(file + ": no merges");
        }
        return merges;
    }

    static ObjectNode readJson(Path file) {
        JsonNode node;
        try {
            node = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new UserInputException(
                    file + ": malformed JSON (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read (" + firstLine(e) + ")", e);
        }
        if (node == null || !node.isObject()) {
            throw new UserInputException(file + ": expected a JSON object");
        }
        return (ObjectNode) node;
    }

    static String firstLine(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.lines().findFirst().orElse(message);
    }
}
