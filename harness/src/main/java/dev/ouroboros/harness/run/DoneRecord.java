package dev.ouroboros.harness.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.AtomicFile;
import dev.ouroboros.models.io.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A generation's {@code DONE} marker, written last: the generation, and the SHA-256 of the files
 * its results are read back from later, its {@code eval.json} and every file of its {@code model/}
 * (when kept), relative to the generation directory.
 *
 * <pre>{@code
 * {"generation":1,"sha256":{"eval.json":"…","model/config.json":"…","model/model.safetensors":"…"}}
 * }</pre>
 *
 * A marker written before these checksums ({@code {"generation": 1}}) records none: its files read
 * as unverified. While a study is extended, {@code extending} holds the digest eval.json had before
 * its synthetic row was added (either is whole; the older one is extended again).
 *
 * @param digests file (relative to the generation directory) → sha256; empty for an old marker
 * @param previousEvalJson eval.json's digest before an extension under way, or null
 */
record DoneRecord(Map<String, String> digests, String previousEvalJson) {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String EVAL_JSON = "eval.json";

    DoneRecord {
        digests = Map.copyOf(digests);
    }

    /** Writes {@code g}'s DONE (atomically) with the checksums of its eval.json and model/. */
    static void write(Path g, int generation) {
        Map<String, String> d = new TreeMap<>();
        put(g, EVAL_JSON, d);
        Path model = g.resolve("model");
        if (Files.isDirectory(model)) {
            try (Stream<Path> files = Files.list(model)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    put(g, "model/" + f.getFileName(), d);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(model + ": cannot list", e);
            }
        }
        write(g, generation, d, null);
    }

    /**
     * Records a new eval.json of a DONE generation (an extended study): first the new digest with
     * the old one as {@code extending}, then (after {@code rewrite} has replaced the file) the new
     * one alone, so a kill anywhere leaves a marker that accepts the eval.json on disk.
     */
    static void replaceEvalJson(Path g, byte[] newEvalJson, Runnable rewrite) {
        DoneRecord old = read(g);
        int generation = generation(g);
        Map<String, String> d = new TreeMap<>(old.digests());
        Map<String, String> onDisk = new TreeMap<>();
        put(g, EVAL_JSON, onDisk); // checked against this marker before an extension starts
        d.put(EVAL_JSON, Sha256.of(newEvalJson));
        if (onDisk.containsKey(EVAL_JSON) && old.verifiable()) {
            write(g, generation, d, onDisk.get(EVAL_JSON));
        }
        rewrite.run();
        write(g, generation, d, null);
    }

    /** {@code g}'s DONE marker (no digests when it was written before them). */
    static DoneRecord read(Path g) {
        JsonNode o = tree(g);
        Map<String, String> d = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.path("sha256").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            d.put(e.getKey(), e.getValue().asText());
        }
        JsonNode prev = o.path("extending").path(EVAL_JSON);
        return new DoneRecord(d, prev.isTextual() ? prev.asText() : null);
    }

    /** Whether the marker holds checksums (else it predates them: legacy, unverified). */
    boolean verifiable() {
        return digests.containsKey(EVAL_JSON);
    }

    /**
     * The recorded files of {@code g} that no longer match, as one line each naming the file; a
     * model file is checked only while model/ exists ({@code keep} may have removed it).
     */
    List<String> mismatches(Path g) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : digests.entrySet()) {
            String name = e.getKey();
            if (name.startsWith("model/") && !Files.isDirectory(g.resolve("model"))) {
                continue;
            }
            String why = mismatch(g, name, e.getValue());
            if (why != null) {
                out.add(why);
            }
        }
        return out;
    }

    /** Refuses (one line, exit 2) an eval.json of {@code g} that is not the one DONE recorded. */
    static void requireEvalJson(Path g) {
        DoneRecord r = read(g);
        String sum = r.digests().get(EVAL_JSON);
        if (sum == null) {
            return;
        }
        String why = r.mismatch(g, EVAL_JSON, sum);
        if (why != null) {
            throw new UserInputException(
                    why
                            + "; its rows cannot be trusted: run the generation again (delete "
                            + g
                            + ")");
        }
    }

    /**
     * Refuses (one line naming the file, exit 2) a kept model of DONE generation {@code g} that is
     * not the one DONE recorded, before anything loads it.
     */
    static void requireModel(Path g) {
        String why = modelMismatch(g);
        if (why != null) {
            throw new UserInputException(
                    why
                            + "; the generations after it cannot be continued from it: run the cell"
                            + " again from "
                            + g.getFileName()
                            + " (delete "
                            + g
                            + " and the later generations)");
        }
    }

    /**
     * The first file of {@code g/model/} that does not match DONE (one line naming it), or null
     * when every recorded one does (or DONE predates checksums).
     */
    static String modelMismatch(Path g) {
        if (!Files.isDirectory(g.resolve("model"))) {
            return null; // not kept: whoever needs it says so
        }
        DoneRecord r = read(g);
        for (Map.Entry<String, String> e : r.digests().entrySet()) {
            if (e.getKey().startsWith("model/")) {
                String why = r.mismatch(g, e.getKey(), e.getValue());
                if (why != null) {
                    return why;
                }
            }
        }
        return null;
    }

    /**
     * The first recorded model file of {@code g} whose counterpart under {@code other}/model/ has
     * another checksum (its name), or null when all match.
     */
    String modelMismatchIn(Path g, Path other) {
        for (Map.Entry<String, String> e : digests.entrySet()) {
            if (e.getKey().startsWith("model/")
                    && mismatch(other, e.getKey(), e.getValue()) != null) {
                return e.getKey();
            }
        }
        return null;
    }

    private String mismatch(Path g, String name, String sum) {
        Path f = g.resolve(name);
        if (!Files.isRegularFile(f)) {
            return f + ": missing (DONE records it)";
        }
        String now;
        try {
            now = Sha256.of(f);
        } catch (IOException e) {
            return f + ": unreadable (" + e.getMessage() + ")";
        }
        if (now.equals(sum) || (name.equals(EVAL_JSON) && now.equals(previousEvalJson))) {
            return null;
        }
        return f
                + ": does not match the sha256 recorded in "
                + g.resolve(RunDir.DONE)
                + " (changed after the generation finished)";
    }

    private static void put(Path g, String name, Map<String, String> d) {
        Path f = g.resolve(name);
        if (!Files.isRegularFile(f)) {
            return;
        }
        try {
            d.put(name, Sha256.of(f));
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": cannot read", e);
        }
    }

    private static void write(Path g, int generation, Map<String, String> d, String extending) {
        ObjectNode o = JSON.createObjectNode();
        o.put("generation", generation);
        ObjectNode s = o.putObject("sha256");
        d.forEach(s::put);
        if (extending != null) {
            o.putObject("extending").put(EVAL_JSON, extending);
        }
        AtomicFile.write(
                g.resolve(RunDir.DONE),
                (o.toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static int generation(Path g) {
        return tree(g).path("generation").asInt();
    }

    private static JsonNode tree(Path g) {
        Path f = g.resolve(RunDir.DONE);
        try {
            JsonNode o = JSON.readTree(f.toFile());
            if (o == null || !o.isObject()) {
                throw new UserInputException(f + ": not a DONE marker (no JSON object)");
            }
            return o;
        } catch (IOException e) {
            throw new UserInputException(f + ": unreadable (" + e.getMessage() + ")");
        }
    }
}
