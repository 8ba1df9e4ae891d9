package dev.ouroboros.models.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The <a href="https://github.com/huggingface/safetensors">safetensors</a> format: an 8-byte
 * little-endian header length N, N bytes of JSON ({@code name -> {dtype, shape, data_offsets}} plus
 * an optional {@code __metadata__} string map), then the tensor bytes, which must cover the data
 * section exactly.
 *
 * <p>Reading memory-maps the file and returns zero-copy slices. Every structural problem is
 * reported as a {@link UserInputException} whose message starts with the file path.
 */
public final class Safetensors {
    /**
     * The reference implementation refuses larger headers; so do we, before allocating anything.
     */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA_KEY = "__metadata__";
    private static final ObjectMapper JSON =
            JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private Safetensors() {}

    /** One header entry, offsets relative to the start of the data section. */
    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

    private record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {}

    /** All tensors, in header order, as zero-copy slices of the mapped file. */
    public static Map<String, RawTensor> read(Path file) {
        return read(file, null);
    }

    /**
     * As {@link #read(Path)}, the mapping owned by {@code scope} (null: the garbage collector): the
     * tensors are valid only until it closes.
     */
    public static Map<String, RawTensor> read(Path file, MappingScope scope) {
        try (MappedFile f = MappedFile.open(file, Integer.MAX_VALUE, scope)) {
            Header h = parseHeader(f);
            Map<String, RawTensor> out = new LinkedHashMap<>();
            for (Entry e : h.entries()) {
                ByteBuffer data = f.slice(h.dataStart() + e.begin(), e.end() - e.begin());
                RawTensor t = new RawTensor(e.name(), e.dtype(), e.shape(), data);
                if (scope != null && data instanceof MappedByteBuffer region) {
                    scope.attach(t, region); // in a scope, each slice is its own mapping
                }
                out.put(e.name(), t);
            }
            return out;
        }
    }

    /**
     * The {@code __metadata__} map (empty if absent); the whole header is validated as for {@link
     * #read}.
     */
    public static Map<String, String> metadata(Path file) {
        try (MappedFile f = MappedFile.open(file)) {
            return parseHeader(f).metadata();
        }
    }

    /**
     * Writes {@code tensors} contiguously in the given order, atomically (see {@link AtomicFile}).
     *
     * @param metadata the {@code __metadata__} map; {@code null} writes the conventional {@code
     *     {"format":"pt"}}, an empty map writes none
     * @throws IllegalArgumentException on duplicate tensor names or a tensor named {@code
     *     __metadata__}
     * @throws UncheckedIOException if the file cannot be written
     */
    public static void write(
            Path file, Collection<RawTensor> tensors, Map<String, String> metadata) {
        byte[] header = headerBytes(tensors, metadata == null ? Map.of("format", "pt") : metadata);
        AtomicFile.write(
                file,
                out -> {
                    ByteBuffer len =
                            ByteBuffer.allocate(8)
                                    .order(ByteOrder.LITTLE_ENDIAN)
                                    .putLong(0, header.length);
                    writeFully(out, len);
                    writeFully(out, ByteBuffer.wrap(header));
                    for (RawTensor t : tensors) {
                        writeFully(out, t.data().duplicate());
                    }
                });
    }

    private static byte[] headerBytes(Collection<RawTensor> tensors, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (RawTensor t : tensors) {
            if (t.name().equals(METADATA_KEY) || root.has(t.name())) {
                throw new IllegalArgumentException(
                        "tensor name " + t.name() + " is duplicated or reserved");
            }
            ObjectNode e = root.putObject(t.name());
            e.put("dtype", t.dtype().name());
            ArrayNode shape = e.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long end = offset + t.data().remaining();
            e.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a safetensors header", e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            out[i] = ' ';
        }
        return out;
    }

    private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    private static Header parseHeader(MappedFile f) {
        Path file = f.path();
        if (f.size() < 8) {
            throw new UserInputException(
                    file
                            + ": not a safetensors file ("
                            + f.size()
                            + " bytes, shorter than the 8-byte header length)");
        }
        long n = f.slice(0, 8).getLong(0);
        if (n < 2 || n > MAX_HEADER_BYTES) {
            throw new UserInputException(
                    file
                            + ": not a safetensors file (header length "
                            + Long.toUnsignedString(n)
                            + " is implausible)");
        }
        if (n > f.size() - 8) {
            throw new UserInputException(
                    file
                            + ": truncated safetensors file (header of "
                            + n
                            + " bytes runs past the end of the "
                            + f.size()
                            + "-byte file)");
        }
        byte[] json = new byte[(int) n];
        f.slice(8, n).get(json);
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new UserInputException(
                    file
                            + ": invalid JSON in safetensors header ("
                            + firstLine(e.getMessage())
                            + ")",
                    e);
        }
        if (root == null || !root.isObject()) {
            throw new UserInputException(file + ": safetensors header is not a JSON object");
        }
        long dataStart = 8 + n;
        long dataLength = f.size() - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(file, field.getValue());
            } else {
                entries.add(parseEntry(file, field.getKey(), field.getValue(), dataLength));
            }
        }
        checkCoverage(file, entries, dataLength);
        return new Header(List.copyOf(entries), Map.copyOf(metadata), dataStart);
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) {
        if (!node.isObject()) {
            throw new UserInputException(file + ": __metadata__ is not a JSON object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new UserInputException(
                        file
                                + ": __metadata__ value for "
                                + Printable.of(e.getKey())
                                + " is not a string");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    private static Entry parseEntry(Path file, String name, JsonNode node, long dataLength) {
        String where = file + ": tensor " + Printable.of(name);
        if (!node.isObject()) {
            throw new UserInputException(where + ": header entry is not a JSON object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new UserInputException(where + ": missing dtype");
        }
        DType dtype;
        try {
            dtype = DType.valueOf(dtypeNode.textValue());
        } catch (IllegalArgumentException e) {
            throw new UserInputException(
                    where + ": unsupported dtype " + Printable.of(dtypeNode.textValue()));
        }
        long[] shape = longs(where, "shape", node.get("shape"), -1);
        long[] offsets = longs(where, "data_offsets", node.get("data_offsets"), 2);
        long numel;
        try {
            numel = Math.multiplyExact(RawTensor.numel(shape), dtype.bytes());
        } catch (ArithmeticException e) {
            throw new UserInputException(where + ": shape is too large");
        }
        if (offsets[0] > offsets[1] || offsets[1] > dataLength) {
            throw new UserInputException(
                    where
                            + ": data_offsets ["
                            + offsets[0]
                            + ", "
                            + offsets[1]
                            + "] out of range (data section has "
                            + dataLength
                            + " bytes"
                            + (offsets[1] > dataLength ? "; truncated file?)" : ")"));
        }
        if (offsets[1] - offsets[0] != numel) {
            throw new UserInputException(
                    where
                            + ": data_offsets span "
                            + (offsets[1] - offsets[0])
                            + " bytes but shape and dtype "
                            + dtype
                            + " need "
                            + numel);
        }
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    /** A JSON array of non-negative integers; {@code length < 0} accepts any length. */
    private static long[] longs(String where, String key, JsonNode node, int length) {
        if (node == null || !node.isArray() || (length >= 0 && node.size() != length)) {
            String what =
                    length >= 0 ? "an array of " + length + " integers" : "an array of integers";
            throw new UserInputException(where + ": " + key + " must be " + what);
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw new UserInputException(
                        where + ": " + key + " holds " + v + ", not a non-negative integer");
            }
            out[i] = v.longValue();
        }
        return out;
    }

    /**
     * Tensors must tile the data section: no overlap, no hole, nothing left over (as the reference
     * requires).
     */
    private static void checkCoverage(Path file, List<Entry> entries, long dataLength) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        for (Entry e : sorted) {
            if (e.begin() < expected) {
                throw new UserInputException(
                        file
                                + ": tensor "
                                + Printable.of(e.name())
                                + " overlaps another tensor (data_offsets start at "
                                + e.begin()
                                + ", previous tensor ends at "
                                + expected
                                + ")");
            }
            if (e.begin() > expected) {
                throw new UserInputException(
                        file
                                + ": hole in data section before tensor "
                                + Printable.of(e.name())
                                + " (bytes "
                                + expected
                                + ".."
                                + e.begin()
                                + " belong to no tensor)");
            }
            expected = e.end();
        }
        if (expected != dataLength) {
            throw new UserInputException(
                    file
                            + ": data section has "
                            + dataLength
                            + " bytes but the tensors cover "
                            + expected
                            + " (truncated or trailing garbage)");
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
