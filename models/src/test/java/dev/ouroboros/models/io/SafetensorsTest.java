package dev.ouroboros.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir Path dir;

    @Test
    void readsPythonWrittenFileAndWidensF16AndBf16LikeTorch() {
        Path file = IoFixtures.resource("mixed.safetensors");
        Map<String, RawTensor> tensors = Safetensors.read(file);
        // safetensors orders its header itself, so only names, dtypes, shapes and values are
        // compared
        IoFixtures.assertMatchesExpected("mixed.safetensors", tensors, false);
        assertEquals(
                Map.of("format", "pt", "source", "make_io_fixtures.py"),
                Safetensors.metadata(file));
    }

    @Test
    void tensorsAreZeroCopySlicesOfTheMappedFile() {
        RawTensor t = Safetensors.read(IoFixtures.resource("mixed.safetensors")).get("f32");
        assertTrue(t.data().isDirect(), "a mapped buffer, not a heap copy");
        assertTrue(t.data().isReadOnly());
    }

    @Test
    void roundTripKeepsOrderBytesAndWritesDefaultMetadata() throws IOException {
        ByteBuffer half =
                ByteBuffer.allocate(6)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putShort((short) 0x3c00)
                        .putShort((short) 0xc000)
                        .putShort((short) 0x7bff)
                        .flip();
        ByteBuffer bf =
                ByteBuffer.allocate(4)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putShort((short) 0x3f80)
                        .putShort((short) 0xc049)
                        .flip();
        ByteBuffer ids =
                ByteBuffer.allocate(16)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(-3)
                        .putLong(1L << 40)
                        .flip();
        List<RawTensor> in =
                List.of(
                        RawTensor.ofFloats(
                                "z.last", new long[] {2, 2}, new float[] {1.5f, -2f, 0f, 3.25e-7f}),
                        new RawTensor("a.half", DType.F16, new long[] {3}, half),
                        new RawTensor("m.bf16", DType.BF16, new long[] {1, 2}, bf),
                        new RawTensor("ids", DType.I64, new long[] {2}, ids),
                        new RawTensor(
                                "scalar",
                                DType.F32,
                                new long[] {},
                                ByteBuffer.allocate(4).putFloat(0, 0f)),
                        new RawTensor(
                                "empty", DType.F32, new long[] {0, 5}, ByteBuffer.allocate(0)));
        Path file = dir.resolve("rt.safetensors");
        Safetensors.write(file, in, null);

        Map<String, RawTensor> out = Safetensors.read(file);
        assertEquals(
                List.of("z.last", "a.half", "m.bf16", "ids", "scalar", "empty"),
                List.copyOf(out.keySet()));
        for (RawTensor t : in) {
            RawTensor r = out.get(t.name());
            assertEquals(t.dtype(), r.dtype());
            assertArrayEquals(t.shape(), r.shape());
            assertEquals(t.data(), r.data(), t.name());
        }
        assertArrayEquals(new float[] {1f, -2f, 65504f}, out.get("a.half").toFloats());
        assertArrayEquals(new float[] {1f, -3.140625f}, out.get("m.bf16").toFloats());
        assertEquals(Map.of("format", "pt"), Safetensors.metadata(file));

        byte[] raw = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8, "header padded to a multiple of 8");
        String header = new String(raw, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"}"), header);
        assertEquals(8 + n + 16 + 6 + 4 + 16 + 4, raw.length, "tensors contiguous, nothing else");
    }

    @Test
    void writeIsAtomicAndReplacesAnExistingFile() throws IOException {
        Path file = dir.resolve("w.safetensors");
        Files.writeString(file, "old content");
        Safetensors.write(
                file,
                List.of(RawTensor.ofFloats("x", new long[] {1}, new float[] {7f})),
                Map.of("k", "v"));
        assertArrayEquals(new float[] {7f}, Safetensors.read(file).get("x").toFloats());
        assertEquals(Map.of("k", "v"), Safetensors.metadata(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void writeRejectsDuplicateNames() {
        RawTensor x = RawTensor.ofFloats("x", new long[] {1}, new float[] {1f});
        Path file = dir.resolve("d.safetensors");
        assertThrows(
                IllegalArgumentException.class, () -> Safetensors.write(file, List.of(x, x), null));
    }

    @Test
    void fileShorterThanEightBytes() throws IOException {
        assertBad(
                Files.write(dir.resolve("short.safetensors"), new byte[] {1, 2, 3}),
                "shorter than the 8-byte");
    }

    @Test
    void truncatedFile() throws IOException {
        byte[] good = Files.readAllBytes(IoFixtures.resource("mixed.safetensors"));
        Path cut =
                Files.write(
                        dir.resolve("cut.safetensors"),
                        java.util.Arrays.copyOf(good, good.length - 5));
        assertBad(cut, "truncated file?");
        Path cutHeader =
                Files.write(dir.resolve("cuth.safetensors"), java.util.Arrays.copyOf(good, 40));
        assertBad(cutHeader, "past the end");
    }

    @Test
    void headerLengthPastEndOfFileOrAbsurd() throws IOException {
        assertBad(file("past.safetensors", 4096, "{}      "), "past the end");
        assertBad(file("absurd.safetensors", Long.MAX_VALUE, "{}      "), "implausible");
        assertBad(file("negative.safetensors", -8, "{}      "), "implausible");
    }

    @Test
    void invalidJsonHeader() throws IOException {
        assertBad(file("json.safetensors", 8, "{\"a\":[1,"), "invalid JSON");
        assertBad(file("array.safetensors", 8, "[1,2,3] "), "not a JSON object");
        assertBad(
                file(
                        "dup.safetensors",
                        0,
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,0]},"
                                + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,0]}}"),
                "invalid JSON");
    }

    @Test
    void badEntries() throws IOException {
        assertBad(
                file("dtype.safetensors", 0, entry("F8_E4M3", "[1]", "[0,1]"), 1),
                "unsupported dtype F8_E4M3");
        assertBad(file("range.safetensors", 0, entry("F32", "[2]", "[0,8]"), 4), "out of range");
        assertBad(
                file("backwards.safetensors", 0, entry("F32", "[0]", "[4,0]"), 4), "out of range");
        assertBad(file("size.safetensors", 0, entry("F32", "[3]", "[0,8]"), 8), "need 12");
        assertBad(
                file("shape.safetensors", 0, entry("F32", "[-1]", "[0,4]"), 4),
                "not a non-negative integer");
        assertBad(
                file("meta.safetensors", 0, "{\"__metadata__\":{\"a\":1}}"),
                "__metadata__ value for a");
        String overlap =
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertBad(file("overlap.safetensors", 0, overlap, 8), "overlaps");
        String hole = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertBad(file("hole.safetensors", 0, hole, 8), "hole");
        assertBad(
                file("trailing.safetensors", 0, entry("F32", "[1]", "[0,4]"), 12),
                "trailing garbage");
    }

    @Test
    void missingFile() {
        assertBad(dir.resolve("nope.safetensors"), "no such file");
    }

    private static String entry(String dtype, String shape, String offsets) {
        return "{\"t\":{\"dtype\":\""
                + dtype
                + "\",\"shape\":"
                + shape
                + ",\"data_offsets\":"
                + offsets
                + "}}";
    }

    /**
     * A file with the given header (declared length {@code n}, or its real length when 0) and data
     * bytes.
     */
    private Path file(String name, long n, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(n == 0 ? h.length : n).put(h);
        return Files.write(dir.resolve(name), b.array());
    }

    private Path file(String name, long n, String header) throws IOException {
        return file(name, n, header, 0);
    }

    private static void assertBad(Path file, String problem) {
        UserInputException e = assertThrows(UserInputException.class, () -> Safetensors.read(file));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
    }
}
