package dev.ouroboros.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code per_sample_ppl} field of a generation's {@code eval.json} ({@code
 * policy=<p>/seed=<s>/gen=<NNN>/eval.json}):
 *
 * <pre>{@code
 * "per_sample_ppl": {"synthetic": [31.2, 18.9, ...], "test": [...]}
 * }</pre>
 *
 * An object from a split name to an array of per-sample perplexities, each exp(NLL sum /
 * predictions) of one sample (one block) <b>scored by the generation-0 model</b>, so that
 * generations are comparable (Shumailov et al. Fig. 1). {@code synthetic} holds the text this
 * generation's model generated. Other fields of eval.json are ignored here.
 */
public final class PerSamplePpl {
    /** The field name. */
    public static final String FIELD = "per_sample_ppl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private PerSamplePpl() {}

    /** Puts {@code bySplit} into an eval.json object as {@value #FIELD}. */
    public static void put(ObjectNode evalJson, Map<String, double[]> bySplit) {
        ObjectNode o = evalJson.putObject(FIELD);
        bySplit.forEach(
                (split, v) -> {
                    ArrayNode a = o.putArray(split);
                    for (double x : v) {
                        a.add(x);
                    }
                });
    }

    /**
     * Split → per-sample perplexities from {@code file}; empty when the field is absent.
     *
     * @throws UserInputException if the file is not JSON or the field is malformed
     */
    public static Map<String, double[]> read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UserInputException(
                    file
                            + ": not readable JSON ("
                            + e.getMessage().lines().findFirst().orElse("")
                            + ")");
        }
        Map<String, double[]> out = new LinkedHashMap<>();
        JsonNode f = root == null ? null : root.get(FIELD);
        if (f == null || f.isNull()) {
            return out;
        }
        if (!f.isObject()) {
            throw new UserInputException(
                    file + ": " + FIELD + " must be an object of split → array");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = f.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode a = e.getValue();
            if (!a.isArray()) {
                throw new UserInputException(
                        file + ": " + FIELD + "." + e.getKey() + " must be an array");
            }
            double[] v = new double[a.size()];
            for (int i = 0; i < v.length; i++) {
                if (!a.get(i).isNumber() || !(a.get(i).doubleValue() > 0)) {
                    throw new UserInputException(
                            file
                                    + ": "
                                    + FIELD
                                    + "."
                                    + e.getKey()
                                    + "["
                                    + i
                                    + "] must be a number > 0");
                }
                v[i] = a.get(i).doubleValue();
            }
            out.put(e.getKey(), v);
        }
        return out;
    }
}
