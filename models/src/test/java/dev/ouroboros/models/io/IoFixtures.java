package dev.ouroboros.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Shared test helpers: the Python-made fixtures, their expected values, and torch-layout zip
 * building.
 */
final class IoFixtures {
    private IoFixtures() {}

    /** A file of {@code src/test/resources/io/}. */
    static Path resource(String name) {
        try {
            return Path.of(IoFixtures.class.getResource("/io/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The entry of {@code expected.json} for one fixture file (written by torch itself). */
    static JsonNode expected(String file) {
        try {
            return new ObjectMapper().readTree(resource("expected.json").toFile()).get(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Element values as doubles, integer types included. */
    static double[] values(RawTensor t) {
        int n = Math.toIntExact(t.numel());
        double[] out = new double[n];
        ByteBuffer b = t.data();
        if (t.dtype() == DType.I64) {
            for (int i = 0; i < n; i++) {
                out[i] = b.getLong(8 * i);
            }
            return out;
        }
        float[] f = t.toFloats();
        for (int i = 0; i < n; i++) {
            out[i] = f[i];
        }
        return out;
    }

    /**
     * Asserts that {@code actual} holds the tensors of {@code expected.json[file]}: names (in order
     * if {@code ordered}), dtypes, shapes and values.
     */
    static void assertMatchesExpected(String file, Map<String, RawTensor> actual, boolean ordered) {
        JsonNode tensors = expected(file).get("tensors");
        List<String> names = new ArrayList<>();
        tensors.fieldNames().forEachRemaining(names::add);
        if (ordered) {
            assertEquals(names, new ArrayList<>(actual.keySet()), file + " keys in order");
        } else {
            assertEquals(new HashSet<>(names), actual.keySet(), file + " keys");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = tensors.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            RawTensor t = actual.get(e.getKey());
            assertEquals(e.getKey(), t.name());
            assertEquals(e.getValue().get("dtype").asText(), t.dtype().name(), e.getKey());
            long[] shape = new long[e.getValue().get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = e.getValue().get("shape").get(i).asLong();
            }
            assertArrayEquals(shape, t.shape(), e.getKey());
            JsonNode values = e.getValue().get("values");
            double[] want = new double[values.size()];
            for (int i = 0; i < want.length; i++) {
                want[i] = values.get(i).asDouble();
            }
            assertArrayEquals(want, values(t), 0.0, file + " " + e.getKey());
        }
    }

    /**
     * A zip laid out like {@code torch.save}: {@code archive/data.pkl}, {@code archive/byteorder}
     * ('little' unless {@code extra} has one) and the given {@code archive/...} entries, stored
     * uncompressed as torch does.
     */
    static byte[] torchZip(byte[] dataPkl, Map<String, byte[]> extra) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            put(zip, "archive/data.pkl", dataPkl);
            if (!extra.containsKey("byteorder")) {
                put(zip, "archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            }
            for (Map.Entry<String, byte[]> e : extra.entrySet()) {
                put(zip, "archive/" + e.getKey(), e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void put(ZipOutputStream zip, String name, byte[] content) throws IOException {
        ZipEntry e = new ZipEntry(name);
        CRC32 crc = new CRC32();
        crc.update(content);
        e.setMethod(ZipEntry.STORED);
        e.setSize(content.length);
        e.setCompressedSize(content.length);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(content);
        zip.closeEntry();
    }
}
