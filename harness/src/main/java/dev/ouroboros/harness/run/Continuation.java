package dev.ouroboros.harness.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One diversity prompt of a generation's evaluation and what the model wrote after it: the text the
 * {@code generated} metrics were computed on, kept in {@code gen=NNN/continuations.jsonl} (one
 * object per prompt, in prompt order). Prompt i is the test block {@code testBlock} (2i unless
 * {@code data.subset: random} drew the prompts from more test pairs); its reference, the real text
 * that follows it, is test block {@code testBlock + 1} (docs/design.md#diversity-prompts).
 *
 * <pre>
 * {"prompt": 0, "test_block": 0, "prompt_ids": [...], "prompt_text": "...",
 *  "continuation_ids": [...], "continuation_text": "...", "reference_text": "..."}
 * </pre>
 *
 * No perplexity is stored: the evaluation scores the test blocks and the synthetic set, not the
 * continuations.
 */
public record Continuation(
        int prompt,
        int testBlock,
        long[] promptIds,
        String promptText,
        long[] ids,
        String text,
        String reference) {
    public static final String FILE = "continuations.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Writes {@code all} to {@code file} atomically. */
    public static void write(Path file, List<Continuation> all) {
        StringBuilder b = new StringBuilder();
        for (Continuation c : all) {
            ObjectNode o = JSON.createObjectNode();
            o.put("prompt", c.prompt()).put("test_block", c.testBlock());
            ids(o, "prompt_ids", c.promptIds());
            o.put("prompt_text", c.promptText());
            ids(o, "continuation_ids", c.ids());
            o.put("continuation_text", c.text()).put("reference_text", c.reference());
            b.append(o).append('\n');
        }
        AtomicFile.write(file, b.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The continuations of {@code file}, in prompt order.
     *
     * @throws UserInputException naming the file and line if a line is not such an object
     */
    public static List<Continuation> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        List<Continuation> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String where = file + ":" + (i + 1);
            try {
                JsonNode o = JSON.readTree(lines.get(i));
                if (o == null
                        || !o.path("prompt").isInt()
                        || !o.path("prompt_ids").isArray()
                        || !o.path("continuation_ids").isArray()
                        || !o.path("prompt_text").isTextual()
                        || !o.path("continuation_text").isTextual()
                        || !o.path("reference_text").isTextual()) {
                    throw new UserInputException(
                            where
                                    + ": not a continuation (prompt, prompt_ids, prompt_text,"
                                    + " continuation_ids, continuation_text, reference_text)");
                }
                if (o.get("prompt").intValue() != out.size()) {
                    throw new UserInputException(
                            where
                                    + ": prompt "
                                    + o.get("prompt").intValue()
                                    + ", expected "
                                    + out.size());
                }
                out.add(
                        new Continuation(
                                o.get("prompt").intValue(),
                                o.path("test_block").isInt()
                                        ? o.get("test_block").intValue()
                                        : 2 * o.get("prompt").intValue(),
                                ids(o.get("prompt_ids"), where),
                                o.get("prompt_text").asText(),
                                ids(o.get("continuation_ids"), where),
                                o.get("continuation_text").asText(),
                                o.get("reference_text").asText()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new UserInputException(
                        where + ": not JSON (" + e.getOriginalMessage() + ")", e);
            }
        }
        return out;
    }

    private static void ids(ObjectNode o, String key, long[] ids) {
        var a = o.putArray(key);
        for (long id : ids) {
            a.add(id);
        }
    }

    private static long[] ids(JsonNode a, String where) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            if (!a.get(i).isIntegralNumber() || !a.get(i).canConvertToLong()) {
                throw new UserInputException(
                        where + ": token id " + a.get(i) + " is not an integer");
            }
            out[i] = a.get(i).longValue();
        }
        return out;
    }
}
