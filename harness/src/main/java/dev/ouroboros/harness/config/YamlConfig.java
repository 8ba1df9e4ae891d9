package dev.ouroboros.harness.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * YAML configs as validated records: a defaults file (a classpath resource that lists every
 * accepted key) ← the user's YAML ← dotted overrides {@code a.b=value} (each value parsed as YAML).
 * A key that is not in the defaults is an error naming the closest known key; the record's compact
 * constructor validates values.
 */
public final class YamlConfig {
    /** snake_case YAML ↔ camelCase records, strict about unknown keys. */
    public static final ObjectMapper YAML =
            new ObjectMapper(
                            new YAMLFactory()
                                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION))
                    .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                    // an integer key refuses 1.5 instead of truncating it to 1
                    .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                    .registerModule(ConfigWords.module());

    /** Keys of older configs and what they are called now. */
    private static final Map<String, String> RENAMED =
            Map.of("model.init", "init (scratch | base)", "model.checkpoint", "model.base");

    private static final String TRAINING = "training";

    private YamlConfig() {}

    /**
     * The merged tree (defaults ← yaml ← overrides), before binding. {@code defaults} are classpath
     * resources with disjoint top-level keys (e.g. the shared training sections and a command's
     * own).
     */
    public static ObjectNode tree(
            List<String> defaults, String yaml, String source, List<String> overrides) {
        ObjectNode tree = YAML.createObjectNode();
        for (String resource : defaults) {
            tree.setAll(defaults(resource));
        }
        JsonNode user;
        try {
            user = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            String msg = firstLine(e.getOriginalMessage());
            java.util.regex.Matcher dup =
                    java.util.regex.Pattern.compile("^Duplicate field '(.*)'").matcher(msg);
            if (dup.find()) {
                JsonLocation at = e.getLocation();
                throw new UserInputException(
                        source
                                + (at != null && at.getLineNr() > 0 ? ":" + at.getLineNr() : "")
                                + ": key '"
                                + dup.group(1)
                                + "' is given twice in one mapping (YAML would silently keep the"
                                + " last value)");
            }
            throw new UserInputException(source + ": not valid YAML (" + msg + ")");
        }
        if (user != null && !user.isMissingNode() && !user.isNull()) {
            if (!user.isObject()) {
                throw new UserInputException(source + ": the config must be a YAML mapping");
            }
            merge(tree, (ObjectNode) user, "", source);
        }
        for (String o : overrides) {
            override(tree, o);
        }
        return tree;
    }

    /** Reads {@code file} over the defaults, applies {@code overrides}, binds to {@code type}. */
    /**
     * The text of a config file: UTF-8, no NUL bytes, and not empty (a file with no keys would
     * silently run the defaults).
     */
    public static String readFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UserInputException(file + ": no such config file");
        } catch (CharacterCodingException e) {
            throw new UserInputException(
                    file + ": not UTF-8 text (a binary or latin-1 file?); configs are UTF-8 YAML");
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read (" + e.getMessage() + ")");
        }
        if (text.indexOf('\0') >= 0) {
            throw new UserInputException(
                    file + ": not a text file (it holds NUL bytes); configs are UTF-8 YAML");
        }
        JsonNode tree;
        try {
            tree = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            return text; // tree() names the syntax error
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            throw new UserInputException(
                    file
                            + ": the config file is empty (no keys); it would run every default, so"
                            + " it is refused (start from configs/smoke.yaml)");
        }
        return text;
    }

    public static ObjectNode defaults(String resource) {
        try (InputStream in = YamlConfig.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the classpath");
            }
            return (ObjectNode) YAML.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(resource + " is unreadable", e);
        }
    }

    public static <T> T bind(Class<T> type, ObjectNode tree, String source) {
        try {
            return YAML.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            Throwable c = e;
            while (c.getCause() != null && !(c instanceof UserInputException)) {
                c = c.getCause();
            }
            if (c instanceof UserInputException u) {
                throw new UserInputException(
                        source + ": " + u.getMessage().replaceFirst("^config: ", ""));
            }
            String path = e instanceof JsonMappingException m ? pathOf(m) : "?";
            java.util.regex.Matcher fraction =
                    java.util.regex.Pattern.compile(
                                    "^Cannot coerce Floating-point value \\(([^)]*)\\)")
                            .matcher(firstLine(e.getOriginalMessage()));
            if (fraction.find()) {
                throw new UserInputException(
                        source
                                + ": bad value for '"
                                + path
                                + "' ("
                                + fraction.group(1)
                                + ": a whole number is expected)");
            }
            throw new UserInputException(
                    source
                            + ": bad value for '"
                            + path
                            + "' ("
                            + firstLine(e.getOriginalMessage())
                            + ")");
        }
    }

    /**
     * {@code tree} with the {@link Training#SECTIONS} moved under one {@code training} key, the way
     * {@link RunConfig} and {@link TrainConfig} hold them; users write them as top-level keys.
     */
    public static ObjectNode nestTraining(ObjectNode tree) {
        ObjectNode training = tree.objectNode();
        for (String section : Training.SECTIONS) {
            JsonNode value = tree.remove(section);
            if (value != null) {
                training.set(section, value);
            }
        }
        tree.set(TRAINING, training);
        return tree;
    }

    /**
     * {@code value} as a tree, with a nested {@code training} object's sections put back as
     * top-level keys in its place: the layout users write and run directories record.
     */
    public static ObjectNode flatTree(Object value) {
        ObjectNode nested = YAML.valueToTree(value);
        ObjectNode flat = nested.objectNode();
        nested.fields()
                .forEachRemaining(
                        e -> {
                            if (e.getKey().equals(TRAINING) && e.getValue().isObject()) {
                                flat.setAll((ObjectNode) e.getValue());
                            } else {
                                flat.set(e.getKey(), e.getValue());
                            }
                        });
        return flat;
    }

    /** {@link #flatTree} as YAML text. */
    public static String toYaml(Object value) {
        try {
            return YAML.writeValueAsString(flatTree(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void merge(ObjectNode into, ObjectNode from, String prefix, String source) {
        for (Iterator<Map.Entry<String, JsonNode>> it = from.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            String path = prefix + key;
            if (!into.has(key)) {
                throw unknown(source, prefix, key, into);
            }
            JsonNode cur = into.get(key);
            if (cur.isObject() && !e.getValue().isNull()) {
                if (!e.getValue().isObject()) {
                    throw new UserInputException(
                            source + ": '" + path + "' is a section; expected keys " + keys(cur));
                }
                merge((ObjectNode) cur, (ObjectNode) e.getValue(), path + ".", source);
            } else {
                if (e.getValue().isObject() || (e.getValue().isArray() && !cur.isArray())) {
                    throw new UserInputException(source + ": '" + path + "' takes a single value");
                }
                into.set(key, e.getValue());
            }
        }
    }

    /** Applies {@code key.path=value}; the value is parsed as YAML ({@code [a, b]} is a list). */
    public static void override(ObjectNode tree, String o) {
        int eq = o.indexOf('=');
        if (eq <= 0) {
            throw new UserInputException(
                    "override '" + o + "': expected key=value, e.g. train.lr=3e-5");
        }
        String[] path = o.substring(0, eq).trim().split("\\.");
        String raw = o.substring(eq + 1);
        ObjectNode node = tree;
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < path.length; i++) {
            String key = path[i];
            if (!node.has(key)) {
                throw unknown("override '" + o + "'", prefix.toString(), key, node);
            }
            if (i < path.length - 1) {
                if (!node.get(key).isObject()) {
                    throw new UserInputException(
                            "override '" + o + "': '" + prefix + key + "' is not a section");
                }
                node = (ObjectNode) node.get(key);
                prefix.append(key).append('.');
            } else {
                if (node.get(key).isObject()) {
                    throw new UserInputException(
                            "override '"
                                    + o
                                    + "': '"
                                    + prefix
                                    + key
                                    + "' is a section; set one of "
                                    + keys(node.get(key)));
                }
                JsonNode v;
                try {
                    v = raw.isEmpty() ? YAML.getNodeFactory().nullNode() : YAML.readTree(raw);
                } catch (JsonProcessingException e) {
                    v = YAML.getNodeFactory().textNode(raw);
                }
                if (v == null || v.isMissingNode()) {
                    v = YAML.getNodeFactory().nullNode();
                }
                node.set(key, v);
            }
        }
    }

    private static UserInputException unknown(
            String source, String prefix, String key, JsonNode siblings) {
        List<String> known = new ArrayList<>();
        siblings.fieldNames().forEachRemaining(known::add);
        String where =
                prefix.isEmpty()
                        ? "at the top level"
                        : "in section '" + prefix.substring(0, prefix.length() - 1) + "'";
        String renamed = RENAMED.get(prefix + key);
        if (renamed != null) {
            return new UserInputException(
                    source + ": '" + prefix + key + "' is now called '" + renamed + "'");
        }
        String best = DidYouMean.closest(key, known);
        String hint = best == null ? "" : "; did you mean '" + prefix + best + "'?";
        return new UserInputException(
                source
                        + ": unknown key '"
                        + prefix
                        + key
                        + "' "
                        + where
                        + hint
                        + " (known: "
                        + String.join(", ", known)
                        + ")");
    }

    private static String keys(JsonNode n) {
        List<String> k = new ArrayList<>();
        n.fieldNames().forEachRemaining(k::add);
        return String.join(", ", k);
    }

    private static String pathOf(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            }
        }
        return sb.toString().replaceFirst("^" + TRAINING + "\\.", ""); // users write it flat
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
