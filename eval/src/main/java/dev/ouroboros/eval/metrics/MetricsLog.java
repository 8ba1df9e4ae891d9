package dev.ouroboros.eval.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code metrics.jsonl}: append-only, one {@link MetricsRow} per line.
 *
 * <p>Writing: each row is one {@code write} of one line under an exclusive file lock (several
 * processes of a sweep may share the file), followed by fsync. If the file does not end with a
 * newline (a writer was killed mid-line), a newline is written first so the torn fragment stays on
 * a line of its own.
 *
 * <p>Every row carries {@code sha256}, the SHA-256 of the row's own line as {@link #toJson} writes
 * it without that field (the field comes last). A row whose content no longer matches it was
 * changed after it was written and is refused by every reader ({@link ChangedRowException}); a row
 * without the field was written before rows had checksums (a legacy run directory) and is read as
 * unverified ({@link Read#unverified()} counts them).
 *
 * <p>Reading: lines that are not JSON (torn by a kill -9, garbage) or hold NaN are skipped and
 * named, with their line numbers, in {@link Read#skipped()}; a line that is JSON but not a valid
 * row is an error, since it means the writer and reader disagree on the contract.
 */
public final class MetricsLog {
    /** The file name inside a run directory. */
    public static final String FILE = "metrics.jsonl";

    private static final Logger LOG = LoggerFactory.getLogger(MetricsLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper LENIENT =
            com.fasterxml.jackson.databind.json.JsonMapper.builder()
                    .enable(
                            com.fasterxml.jackson.core.json.JsonReadFeature
                                    .ALLOW_NON_NUMERIC_NUMBERS)
                    .build();
    private static final Object IN_PROCESS = new Object();

    /** The field that holds a row's checksum. */
    public static final String CHECKSUM = "sha256";

    /**
     * What {@link #read} found; {@code unverified}: how many of the rows carry no checksum (written
     * before rows had one).
     */
    public record Read(List<MetricsRow> rows, List<String> skipped, int unverified) {
        public Read {
            rows = List.copyOf(rows);
            skipped = List.copyOf(skipped);
        }

        public Read(List<MetricsRow> rows, List<String> skipped) {
            this(rows, skipped, 0);
        }
    }

    private MetricsLog() {}

    /**
     * Appends {@code row} to {@code file} (created if absent) and fsyncs it.
     *
     * @throws IllegalArgumentException if a metric name is not registered in {@link MetricDefs}
     */
    public static void append(Path file, MetricsRow row) {
        for (String name : row.metrics().keySet()) {
            MetricDefs.require(name);
        }
        byte[] line = (toJson(row) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (IN_PROCESS) { // FileLock is per process; threads of one JVM queue here
            try {
                Path parent = file.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                try (FileChannel ch =
                                FileChannel.open(
                                        file,
                                        StandardOpenOption.CREATE,
                                        StandardOpenOption.READ,
                                        StandardOpenOption.WRITE);
                        FileLock lock = ch.lock()) {
                    long size = ch.size();
                    ByteBuffer buf = ByteBuffer.wrap(line);
                    if (size > 0) {
                        ByteBuffer last = ByteBuffer.allocate(1);
                        ch.read(last, size - 1);
                        if (last.get(0) != '\n') {
                            LOG.warn(
                                    "{}: last line was torn (no newline); closing it before appending",
                                    file);
                            buf =
                                    ByteBuffer.allocate(line.length + 1)
                                            .put((byte) '\n')
                                            .put(line)
                                            .flip();
                        }
                    }
                    long pos = size;
                    while (buf.hasRemaining()) {
                        pos += ch.write(buf, pos);
                    }
                    ch.force(true);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": append failed: " + e.getMessage(), e);
            }
        }
    }

    /** One row as one line of JSON (no newline), its {@link #CHECKSUM} last. */
    public static String toJson(MetricsRow row) {
        ObjectNode o = body(row);
        o.put(CHECKSUM, checksum(o));
        return write(o);
    }

    /** The SHA-256 of {@code body}'s line: what a row's {@link #CHECKSUM} holds. */
    private static String checksum(ObjectNode body) {
        return Sha256.of(write(body).getBytes(StandardCharsets.UTF_8));
    }

    private static String write(ObjectNode o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The row's fields, without its checksum, in the order they are written. */
    private static ObjectNode body(MetricsRow row) {
        ObjectNode o = JSON.createObjectNode();
        o.put("schema", row.schema());
        o.put("policy", row.policy());
        o.put("seed", row.seed());
        o.put("generation", row.generation());
        o.put("split", row.split());
        ObjectNode m = o.putObject("metrics");
        row.metrics().forEach(m::put);
        ObjectNode r = o.putObject("raw");
        row.raw()
                .forEach(
                        (k, sums) -> {
                            ObjectNode s = r.putObject(k);
                            sums.forEach(
                                    (f, v) -> {
                                        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
                                            s.put(f, v.longValue()); // counts stay integers
                                            // in the file
                                        } else {
                                            s.put(f, v);
                                        }
                                    });
                        });
        o.put("time", row.time());
        return o;
    }

    /**
     * Parses one line, checking its {@link #CHECKSUM} when it has one.
     *
     * @throws ChangedRowException if the row does not match its checksum
     * @throws IllegalArgumentException if the JSON is not a valid row
     * @throws JsonProcessingException if the line is not JSON
     */
    public static MetricsRow parse(String line) throws JsonProcessingException {
        return parseChecked(line).row();
    }

    /** A parsed row; {@code verified}: it carried a checksum, and matched it. */
    public record Parsed(MetricsRow row, boolean verified) {}

    /** {@link #parse}, saying whether the row carried a checksum. */
    public static Parsed parseChecked(String line) throws JsonProcessingException {
        JsonNode o = JSON.readTree(line);
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonNode sum = ((ObjectNode) o).remove(CHECKSUM);
        MetricsRow row = fields(o);
        if (sum == null) {
            return new Parsed(row, false);
        }
        if (!sum.isTextual() || !sum.asText().equals(checksum(body(row)))) {
            throw new ChangedRowException(
                    "the row does not match its "
                            + CHECKSUM
                            + " (changed after it was written: it is not what computed it)");
        }
        return new Parsed(row, true);
    }

    private static MetricsRow fields(JsonNode o) {
        String schema = text(o, "schema");
        if (!MetricsRow.SCHEMA.equals(schema)) {
            throw new IllegalArgumentException(
                    "schema '" + schema + "' is not " + MetricsRow.SCHEMA);
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        JsonNode m = o.get("metrics");
        if (m == null || !m.isObject()) {
            throw new IllegalArgumentException("'metrics' must be an object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNumber()) {
                throw new IllegalArgumentException(
                        "metric " + e.getKey() + " is not a number: " + e.getValue());
            }
            metrics.put(e.getKey(), e.getValue().doubleValue());
        }
        Map<String, Map<String, Double>> raw = new LinkedHashMap<>();
        JsonNode r = o.get("raw");
        if (r != null && !r.isNull()) {
            if (!r.isObject()) {
                throw new IllegalArgumentException("'raw' must be an object");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = r.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Map<String, Double> sums = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> f = e.getValue().fields();
                        f.hasNext(); ) {
                    Map.Entry<String, JsonNode> s = f.next();
                    if (!s.getValue().isNumber()) {
                        throw new IllegalArgumentException(
                                "raw " + e.getKey() + "." + s.getKey() + " is not a number");
                    }
                    sums.put(s.getKey(), s.getValue().doubleValue());
                }
                raw.put(e.getKey(), sums);
            }
        }
        return new MetricsRow(
                schema,
                text(o, "policy"),
                integer(o, "seed"),
                integer(o, "generation"),
                text(o, "split"),
                metrics,
                raw,
                text(o, "time"));
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("'" + field + "' must be a string");
        }
        return v.asText();
    }

    private static int integer(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException("'" + field + "' must be an integer");
        }
        return v.intValue();
    }

    /**
     * Reads every complete row of {@code file}. A line that is not JSON (a write torn by a kill,
     * garbage) or that holds NaN or an infinity (never written by {@link #append}) is skipped, and
     * {@link Read#skipped()} names it with its line number and why, one entry per line, for the
     * caller to show; blank lines are ignored.
     *
     * @throws UserInputException if the file is missing or unreadable, or a line is JSON but not a
     *     valid row
     */
    public static Read read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UserInputException(file + ": no such file");
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new UserInputException(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read (" + e.getMessage() + ")");
        }
        List<MetricsRow> rows = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        int unverified = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            try {
                Parsed p = parseChecked(line);
                rows.add(p.row());
                unverified += p.verified() ? 0 : 1;
            } catch (JsonProcessingException e) {
                skipped.add(
                        file
                                + ":"
                                + (i + 1)
                                + ": skipped "
                                + (holdsNonFinite(line)
                                        ? "a row holding NaN or Infinity (rows hold finite numbers"
                                                + " only)"
                                        : "a line that is not complete JSON (torn write?)"));
            } catch (ChangedRowException e) {
                throw new UserInputException(file + ":" + (i + 1) + ": " + e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new UserInputException(
                        file + ":" + (i + 1) + ": not a valid metrics row: " + e.getMessage());
            }
        }
        return new Read(rows, skipped, unverified);
    }

    /** {@link #read}, logging a warning for every skipped line (for readers that show no list). */
    public static Read readWarning(Path file) {
        Read r = read(file);
        r.skipped().forEach(LOG::warn);
        return r;
    }

    /** Whether {@code line} is JSON once NaN and infinities are allowed as numbers. */
    private static boolean holdsNonFinite(String line) {
        try {
            LENIENT.readTree(line);
            return true;
        } catch (JsonProcessingException e) {
            return false;
        }
    }
}
