package dev.ouroboros.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TorchPickleTest {
    @TempDir Path dir;

    @Test
    void fp16StateDictWithViewsTiedKeysAndBuildMetadata() {
        Map<String, RawTensor> sd = TorchPickle.read(IoFixtures.resource("fp16.bin"));
        IoFixtures.assertMatchesExpected("fp16.bin", sd, true);
        // contiguous tensors, shared or not, are slices of the mapped file; only the strided views
        // are copies
        for (String k : List.of("weight", "bias", "tied", "row", "scalar")) {
            assertTrue(sd.get(k).data().isDirect(), k + " is zero-copy");
        }
        assertFalse(sd.get("weight_t").data().isDirect(), "a transpose is materialized");
        assertFalse(sd.get("col").data().isDirect(), "a strided column is materialized");
        float[] w = sd.get("weight").toFloats();
        assertArrayEquals(
                Arrays.copyOfRange(w, 4, 8),
                sd.get("row").toFloats(),
                "row 1 shares weight's storage");
        assertArrayEquals(new float[] {w[2], w[6], w[10]}, sd.get("col").toFloats());
    }

    @Test
    void fp32StateDictWithParameterIntegersEmptyAndOffsetSlice() {
        IoFixtures.assertMatchesExpected(
                "fp32.bin", TorchPickle.read(IoFixtures.resource("fp32.bin")), true);
    }

    @Test
    void bf16WidensExactlyLikeTorch() {
        IoFixtures.assertMatchesExpected(
                "bf16.bin", TorchPickle.read(IoFixtures.resource("bf16.bin")), true);
    }

    @Test
    void readsAnArchiveWhoseEntriesWereDeflatedByAnotherTool() throws IOException {
        Path deflated = dir.resolve("deflated.bin");
        try (ZipFile src = new ZipFile(IoFixtures.resource("fp16.bin").toFile());
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(deflated))) {
            for (ZipEntry e : Collections.list(src.entries())) {
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(src.getInputStream(e).readAllBytes());
                out.closeEntry();
            }
        }
        IoFixtures.assertMatchesExpected("fp16.bin", TorchPickle.read(deflated), true);
    }

    @Test
    void readsTheZip64EndRecordTorchWrites() throws IOException {
        byte[] b = Files.readAllBytes(IoFixtures.resource("fp16.bin"));
        ByteBuffer z = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int eocd = b.length - 22;
        assertEquals(
                0x06054b50,
                z.getInt(eocd),
                "torch ends with a plain end record after its ZIP64 one");
        // saturate the 32-bit fields as a > 4 GiB checkpoint would: only the ZIP64 record can
        // locate the directory
        z.putShort(eocd + 8, (short) -1)
                .putShort(eocd + 10, (short) -1)
                .putInt(eocd + 12, -1)
                .putInt(eocd + 16, -1);
        Path file = Files.write(dir.resolve("zip64.bin"), b);
        IoFixtures.assertMatchesExpected("fp16.bin", TorchPickle.read(file), true);
    }

    @Test
    void rebuildTensorV3WithUntypedStorageAndExplicitDtype() throws IOException {
        byte[] pkl =
                new PickleBuilder(2)
                        .op('}')
                        .str("w")
                        .global("torch._utils", "_rebuild_tensor_v3")
                        .mark()
                        .mark()
                        .str("storage")
                        .global("torch", "UntypedStorage")
                        .str("0")
                        .str("cpu")
                        .int1(8)
                        .tuple()
                        .op('Q')
                        .int1(1)
                        .int1(2)
                        .tuple1()
                        .int1(1)
                        .tuple1()
                        .op(0x89)
                        .global("collections", "OrderedDict")
                        .op(')')
                        .reduce()
                        .global("torch", "float16")
                        .tuple()
                        .reduce()
                        .op('s')
                        .stop()
                        .bytes();
        ByteBuffer halves =
                ByteBuffer.allocate(8)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putShort((short) 0x3c00)
                        .putShort((short) 0x4000)
                        .putShort((short) 0x4200)
                        .putShort((short) 0x4400);
        Path file = zip("v3.bin", pkl, Map.of("data/0", halves.array()));
        RawTensor w = TorchPickle.read(file).get("w");
        assertEquals(DType.F16, w.dtype());
        assertArrayEquals(new float[] {2f, 3f}, w.toFloats());
    }

    /** Payloads that would create the file at the given path if anything were executed. */
    static List<Arguments> hostileGlobals() {
        return List.of(
                hostile("os.system", m -> call("os", "system", "touch " + m)),
                hostile("posix.system", m -> call("posix", "system", "touch " + m)),
                hostile(
                        "builtins.eval",
                        m -> call("builtins", "eval", "open('" + m + "','w').close()")),
                hostile("__builtin__.getattr", m -> call("__builtin__", "getattr", m)),
                hostile(
                        "subprocess.Popen",
                        m ->
                                new PickleBuilder(2)
                                        .global("subprocess", "Popen")
                                        .mark()
                                        .str("touch")
                                        .str(m)
                                        .op('l')
                                        .tuple1()
                                        .reduce()
                                        .stop()
                                        .bytes()),
                hostile(
                        "os.system",
                        m ->
                                new PickleBuilder(4)
                                        .shortStr("os")
                                        .shortStr("system")
                                        .op(0x93)
                                        .str("touch " + m)
                                        .tuple1()
                                        .reduce()
                                        .stop()
                                        .bytes()),
                hostile(
                        "os.system",
                        m ->
                                new PickleBuilder(2)
                                        .mark()
                                        .str("touch " + m)
                                        .inst("os", "system")
                                        .stop()
                                        .bytes()),
                // the payload hidden as the value of an otherwise legitimate state dict
                hostile(
                        "os.system",
                        m ->
                                new PickleBuilder(2)
                                        .global("collections", "OrderedDict")
                                        .op(')')
                                        .reduce()
                                        .str("model.weight")
                                        .global("os", "system")
                                        .str("touch " + m)
                                        .tuple1()
                                        .reduce()
                                        .op('s')
                                        .stop()
                                        .bytes()));
    }

    private static Arguments hostile(String global, Function<String, byte[]> payload) {
        return Arguments.of(global, payload);
    }

    /** {@code GLOBAL module name; arg; TUPLE1; REDUCE}: calls module.name(arg) in Python. */
    private static byte[] call(String module, String name, String arg) {
        return new PickleBuilder(2).global(module, name).str(arg).tuple1().reduce().stop().bytes();
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("hostileGlobals")
    void refusesGlobalsOutsideTheAllowList(String global, Function<String, byte[]> payload)
            throws IOException {
        Path marker = dir.resolve("pwned");
        Path file = zip("evil.bin", payload.apply(marker.toString()), Map.of());
        UserInputException e = assertThrows(UserInputException.class, () -> TorchPickle.read(file));
        assertEquals(
                file
                        + ": refusing to unpickle global "
                        + global
                        + " (only tensor state dicts are allowed)",
                e.getMessage());
        assertFalse(Files.exists(marker), "nothing was executed");
    }

    @Test
    void namesFromTheFileCannotBreakTheOneLineMessage() throws IOException {
        byte[] pkl =
                new PickleBuilder(4)
                        .shortStr("os\nFAKE: ok")
                        .shortStr("system")
                        .op(0x93)
                        .stop()
                        .bytes();
        Path file = zip("newline.bin", pkl, Map.of());
        UserInputException e = assertThrows(UserInputException.class, () -> TorchPickle.read(file));
        assertEquals(
                file
                        + ": refusing to unpickle global os\\x0aFAKE: ok.system (only tensor state dicts are allowed)",
                e.getMessage());
    }

    @Test
    void refusesLegacyNonZipFormatWithAHint() {
        assertBad(
                IoFixtures.resource("legacy.bin"),
                "legacy (pre-1.6, non-zip) torch.save format is not supported");
    }

    @Test
    void pickleTruncatedInTheMiddle() throws IOException {
        Map<String, byte[]> entries = entries(IoFixtures.resource("fp16.bin"));
        byte[] pkl = entries.remove("data.pkl");
        Path file = zip("cut-pickle.bin", Arrays.copyOf(pkl, pkl.length / 2), entries);
        assertBad(file, "pickle data truncated at byte");
    }

    @Test
    void zipTruncated() throws IOException {
        byte[] good = Files.readAllBytes(IoFixtures.resource("fp16.bin"));
        Path file =
                Files.write(dir.resolve("cut-zip.bin"), Arrays.copyOf(good, good.length * 2 / 3));
        assertBad(file, "corrupt zip archive");
    }

    @Test
    void notAZipAndNotAStateDict() throws IOException {
        assertBad(
                Files.writeString(dir.resolve("text.bin"), "hello world"),
                "not a torch.save zip archive");
        byte[] list = new PickleBuilder(2).op(']').int1(1).op('a').stop().bytes();
        assertBad(zip("list.bin", list, Map.of()), "not a state dict");
        byte[] nonTensor = new PickleBuilder(2).op('}').str("lr").int1(3).op('s').stop().bytes();
        assertBad(zip("hparams.bin", nonTensor, Map.of()), "entry lr is not a named tensor");
    }

    @Test
    void unsupportedOpcodeAndBigEndian() throws IOException {
        byte[] textInt = new PickleBuilder(2).op('I').op('1').op('\n').stop().bytes();
        assertBad(zip("opcode.bin", textInt, Map.of()), "unsupported pickle opcode 0x49");
        Map<String, byte[]> entries = entries(IoFixtures.resource("fp16.bin"));
        entries.put("byteorder", "big".getBytes(StandardCharsets.US_ASCII));
        byte[] pkl = entries.remove("data.pkl");
        assertBad(zip("big.bin", pkl, entries), "byteorder 'big' is not supported");
    }

    @Test
    void missingOrShortStorage() throws IOException {
        Map<String, byte[]> entries = entries(IoFixtures.resource("fp16.bin"));
        byte[] pkl = entries.remove("data.pkl");
        Map<String, byte[]> missing = new LinkedHashMap<>(entries);
        missing.remove("data/0");
        assertBad(zip("missing.bin", pkl, missing), "storage 0 is missing");
        Map<String, byte[]> shortStorage = new LinkedHashMap<>(entries);
        shortStorage.put("data/0", new byte[6]);
        assertBad(
                zip("short.bin", pkl, shortStorage),
                "storage 0 has 6 bytes but 12 elements of F16");
    }

    @Test
    void viewPastTheEndOfItsStorage() throws IOException {
        byte[] pkl =
                new PickleBuilder(2)
                        .op('}')
                        .str("w")
                        .global("torch._utils", "_rebuild_tensor_v2")
                        .mark()
                        .mark()
                        .str("storage")
                        .global("torch", "FloatStorage")
                        .str("0")
                        .str("cpu")
                        .int1(2)
                        .tuple()
                        .op('Q')
                        .int1(1)
                        .int1(2)
                        .tuple1()
                        .int1(1)
                        .tuple1()
                        .op(0x89)
                        .op('}')
                        .tuple()
                        .reduce()
                        .op('s')
                        .stop()
                        .bytes();
        assertBad(
                zip("past.bin", pkl, Map.of("data/0", new byte[8])),
                "reads past the end of storage 0");
    }

    /** The entries of a torch zip under its prefix, e.g. {@code data.pkl}, {@code data/0}. */
    private static Map<String, byte[]> entries(Path torchZip) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(torchZip.toFile())) {
            for (ZipEntry e : Collections.list(z.entries())) {
                out.put(
                        e.getName().substring(e.getName().indexOf('/') + 1),
                        z.getInputStream(e).readAllBytes());
            }
        }
        out.remove("byteorder");
        return out;
    }

    private Path zip(String name, byte[] pkl, Map<String, byte[]> extra) throws IOException {
        return Files.write(dir.resolve(name), IoFixtures.torchZip(pkl, extra));
    }

    private static void assertBad(Path file, String problem) {
        UserInputException e = assertThrows(UserInputException.class, () -> TorchPickle.read(file));
        assertNotNull(e.getMessage());
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
    }
}
