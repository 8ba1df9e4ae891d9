package dev.ouroboros.models.io;

import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.Unpickler.Callable;
import dev.ouroboros.models.io.Unpickler.Tuple;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads state dicts written by {@code torch.save} (zip format, torch ≥ 1.6), e.g. the hub's {@code
 * pytorch_model.bin}, without Python and without executing anything.
 *
 * <p>The archive holds {@code <prefix>/data.pkl} (the pickled dict), {@code <prefix>/data/<key>}
 * (one raw storage per key, stored uncompressed) and {@code <prefix>/byteorder}. The pickle goes
 * through the allow-listing {@link Unpickler}: only {@code collections.OrderedDict}, the tensor
 * rebuild functions, the storage classes and dtypes are known; any other global (say {@code
 * os.system}) is refused. Tensors that are contiguous in their storage are zero-copy slices of the
 * memory-mapped file; other views (a transpose, a strided column) are copied into a contiguous
 * buffer. Tensors sharing a storage (tied weights) share it here.
 */
public final class TorchPickle {
    /**
     * Bytes that start a legacy (pre-1.6) torch.save file: PROTO 2 then LONG1 of torch's magic
     * number.
     */
    private static final byte[] LEGACY_MAGIC = {
        (byte) 0x80,
        0x02,
        (byte) 0x8a,
        0x0a,
        0x6c,
        (byte) 0xfc,
        (byte) 0x9c,
        0x46,
        (byte) 0xf9,
        0x20,
        0x6a,
        (byte) 0xa8,
        0x50,
        0x19
    };

    private static final Map<String, Object> GLOBALS = globals();

    private TorchPickle() {}

    /** A storage class named in a persistent id; an untyped storage counts bytes (U8). */
    private record StorageType(DType dtype) {}

    /**
     * One {@code <prefix>/data/<key>} entry, typed by the storage class that first named it; {@code
     * entry} is the whole zip entry the bytes are a slice of.
     */
    private record Storage(String key, DType dtype, ByteBuffer bytes, ByteBuffer entry) {}

    /**
     * A tensor as {@code _rebuild_tensor_v2/v3} describe it: a strided view of a storage, in
     * elements.
     */
    private record View(Storage storage, DType dtype, long offset, long[] size, long[] stride) {}

    /** The tensors of {@code file} in pickle order, as {@code LinkedHashMap}. */
    public static Map<String, RawTensor> read(Path file) {
        return read(file, null);
    }

    /**
     * As {@link #read(Path)}, the mapping owned by {@code scope} (null: the garbage collector): the
     * tensors are valid only until it closes.
     */
    public static Map<String, RawTensor> read(Path file, MappingScope scope) {
        try (MappedFile f = MappedFile.open(file, Integer.MAX_VALUE, scope)) {
            checkZip(f);
            ZipArchive zip = ZipArchive.open(f);
            String prefix = prefix(f, zip);
            checkByteOrder(f, zip, prefix);
            Map<String, Storage> storages = new HashMap<>();
            Unpickler pickle =
                    new Unpickler(
                            file.toString(),
                            zip.read(prefix + "data.pkl"),
                            GLOBALS,
                            pid -> loadStorage(f, zip, prefix, storages, pid));
            return stateDict(file, pickle.load(), scope);
        }
    }

    private static void checkZip(MappedFile f) {
        ByteBuffer head = f.slice(0, Math.min(f.size(), LEGACY_MAGIC.length));
        if (head.remaining() == LEGACY_MAGIC.length && head.equals(ByteBuffer.wrap(LEGACY_MAGIC))) {
            throw new UserInputException(
                    f.path()
                            + ": legacy (pre-1.6, non-zip) torch.save format is not supported;"
                            + " re-save it with torch.save(torch.load(f), f) on torch >= 1.6, or convert it to safetensors");
        }
        if (head.remaining() < 4 || head.getInt(0) != 0x04034b50) {
            throw new UserInputException(
                    f.path() + ": not a torch.save zip archive (no zip signature)");
        }
    }

    /** Like torch: the directory of the first entry names the archive; its data.pkl must exist. */
    private static String prefix(MappedFile f, ZipArchive zip) {
        String first =
                zip.names().stream()
                        .findFirst()
                        .orElseThrow(
                                () -> new UserInputException(f.path() + ": empty zip archive"));
        int slash = first.indexOf('/');
        String prefix = slash < 0 ? "" : first.substring(0, slash + 1);
        if (!zip.contains(prefix + "data.pkl")) {
            String kind =
                    zip.contains(prefix + "constants.pkl")
                            ? "a TorchScript archive"
                            : "no " + prefix + "data.pkl";
            throw new UserInputException(f.path() + ": not a torch.save state dict (" + kind + ")");
        }
        return prefix;
    }

    private static void checkByteOrder(MappedFile f, ZipArchive zip, String prefix) {
        if (!zip.contains(prefix + "byteorder")) {
            return; // written before torch recorded it: always little-endian
        }
        ByteBuffer b = zip.read(prefix + "byteorder");
        byte[] raw = new byte[Math.min(b.remaining(), 16)];
        b.get(raw);
        String order = new String(raw, StandardCharsets.US_ASCII).trim();
        if (!order.equals("little")) {
            throw new UserInputException(
                    f.path()
                            + ": byteorder '"
                            + Printable.of(order)
                            + "' is not supported (only 'little');"
                            + " re-save the checkpoint on a little-endian machine");
        }
    }

    /**
     * Resolves {@code ('storage', StorageType, key, location, numel)}; a key seen twice is the same
     * storage.
     */
    private static Storage loadStorage(
            MappedFile f,
            ZipArchive zip,
            String prefix,
            Map<String, Storage> storages,
            Object pid) {
        if (!(pid instanceof Tuple t)
                || t.size() != 5
                || !"storage".equals(t.get(0))
                || !(t.get(1) instanceof StorageType type)
                || !(t.get(2) instanceof String key)
                || !(t.get(4) instanceof Long numel)) {
            throw new UserInputException(
                    f.path() + ": unsupported persistent id (only tensor storages are allowed)");
        }
        Storage known = storages.get(key);
        if (known != null) {
            return known;
        }
        String entry = prefix + "data/" + key;
        if (!zip.contains(entry)) {
            throw new UserInputException(
                    f.path()
                            + ": storage "
                            + Printable.of(key)
                            + " is missing (no zip entry "
                            + Printable.of(entry)
                            + ")");
        }
        ByteBuffer bytes = zip.read(entry);
        if (numel < 0 || numel > bytes.remaining() / type.dtype().bytes()) {
            throw new UserInputException(
                    f.path()
                            + ": storage "
                            + Printable.of(key)
                            + " has "
                            + bytes.remaining()
                            + " bytes but "
                            + numel
                            + " elements of "
                            + type.dtype()
                            + " were declared");
        }
        int need = (int) (numel * type.dtype().bytes());
        Storage s =
                new Storage(
                        key,
                        type.dtype(),
                        bytes.slice(0, need).order(ByteOrder.LITTLE_ENDIAN),
                        bytes);
        storages.put(key, s);
        return s;
    }

    private static Map<String, RawTensor> stateDict(Path file, Object root, MappingScope scope) {
        if (!(root instanceof Map<?, ?> dict)) {
            throw new UserInputException(
                    file
                            + ": the pickle holds a "
                            + (root == null ? "None" : root.getClass().getSimpleName())
                            + ", not a state dict");
        }
        Map<String, RawTensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof View v)) {
                throw new UserInputException(
                        file
                                + ": entry "
                                + Printable.of(e.getKey())
                                + " is not a named tensor"
                                + " (only flat tensor state dicts are supported)");
            }
            ByteBuffer data = materialize(file, name, v);
            RawTensor t = new RawTensor(name, v.dtype(), v.size(), data);
            if (scope != null
                    && data.isDirect()
                    && v.storage().entry() instanceof MappedByteBuffer region) {
                scope.attach(t, region); // a stored entry: its own mapping in a scope
            }
            out.put(name, t);
        }
        return out;
    }

    /** The view's bytes: a slice of the storage if contiguous, otherwise a contiguous copy. */
    private static ByteBuffer materialize(Path file, String name, View v) {
        int eb = v.dtype().bytes();
        long capacity = v.storage().bytes().remaining() / eb;
        long numel;
        long last = v.offset();
        try {
            numel = RawTensor.numel(v.size());
            for (int d = 0; d < v.size().length; d++) {
                if (v.size()[d] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(v.size()[d] - 1, v.stride()[d]));
                }
            }
        } catch (ArithmeticException e) {
            throw new UserInputException(
                    file
                            + ": tensor "
                            + Printable.of(name)
                            + " has an absurd shape "
                            + Arrays.toString(v.size()));
        }
        if (numel == 0) {
            return ByteBuffer.allocate(0);
        }
        if (last >= capacity) {
            throw new UserInputException(
                    file
                            + ": tensor "
                            + Printable.of(name)
                            + " (offset "
                            + v.offset()
                            + ", size "
                            + Arrays.toString(v.size())
                            + ", stride "
                            + Arrays.toString(v.stride())
                            + ") reads past the end of storage "
                            + Printable.of(v.storage().key())
                            + " ("
                            + capacity
                            + " elements)");
        }
        ByteBuffer src = v.storage().bytes();
        if (isContiguous(v.size(), v.stride())) {
            return src.slice((int) (v.offset() * eb), (int) (numel * eb));
        }
        if (numel > Integer.MAX_VALUE / eb) {
            throw new UserInputException(
                    file + ": non-contiguous tensor " + Printable.of(name) + " exceeds 2 GiB");
        }
        ByteBuffer dst = ByteBuffer.allocate((int) (numel * eb));
        int rank = v.size().length;
        long[] index = new long[rank];
        byte[] element = new byte[eb];
        for (long i = 0; i < numel; i++) {
            long at = v.offset();
            for (int d = 0; d < rank; d++) {
                at += index[d] * v.stride()[d];
            }
            src.get((int) (at * eb), element);
            dst.put(element);
            for (int d = rank - 1; d >= 0 && ++index[d] == v.size()[d]; d--) {
                index[d] = 0;
            }
        }
        return dst.flip();
    }

    /** Row-major contiguous; strides of size-1 dimensions do not matter. */
    private static boolean isContiguous(long[] size, long[] stride) {
        long expected = 1;
        for (int d = size.length - 1; d >= 0; d--) {
            if (size[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= size[d];
        }
        return true;
    }

    /**
     * {@code _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])}.
     */
    private static View rebuildV2(Tuple a) {
        if (a.size() < 6 || a.size() > 7 || !(a.get(0) instanceof Storage s)) {
            throw new IllegalArgumentException("_rebuild_tensor_v2 arguments");
        }
        return view(s, s.dtype(), a);
    }

    /**
     * {@code _rebuild_tensor_v3(storage, offset, size, stride, requires_grad, hooks, dtype[,
     * metadata])}.
     */
    private static View rebuildV3(Tuple a) {
        if (a.size() < 7
                || a.size() > 8
                || !(a.get(0) instanceof Storage s)
                || !(a.get(6) instanceof DType dtype)) {
            throw new IllegalArgumentException("_rebuild_tensor_v3 arguments");
        }
        return view(s, dtype, a);
    }

    private static View view(Storage s, DType dtype, Tuple a) {
        if (!(a.get(1) instanceof Long offset) || offset < 0) {
            throw new IllegalArgumentException("storage offset");
        }
        long[] size = longs(a.get(2));
        long[] stride = longs(a.get(3));
        if (size.length != stride.length) {
            throw new IllegalArgumentException("size and stride ranks differ");
        }
        return new View(s, dtype, offset, size, stride);
    }

    private static long[] longs(Object o) {
        if (!(o instanceof Tuple t)) {
            throw new IllegalArgumentException("size or stride is not a tuple");
        }
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.get(i) instanceof Long v) || v < 0) {
                throw new IllegalArgumentException("size or stride holds " + t.get(i));
            }
            out[i] = v;
        }
        return out;
    }

    /** The allow-list handed to the {@link Unpickler}. */
    private static Map<String, Object> globals() {
        Map<String, Object> g = new HashMap<>();
        g.put(
                "collections.OrderedDict",
                (Callable)
                        args -> {
                            if (args.size() != 0) {
                                throw new IllegalArgumentException("OrderedDict with arguments");
                            }
                            return new LinkedHashMap<Object, Object>();
                        });
        g.put("torch._utils._rebuild_tensor_v2", (Callable) TorchPickle::rebuildV2);
        g.put("torch._utils._rebuild_tensor_v3", (Callable) TorchPickle::rebuildV3);
        Callable parameter =
                args -> { // (data, requires_grad, hooks[, state]): the tensor itself
                    if (args.size() < 3 || !(args.get(0) instanceof View v)) {
                        throw new IllegalArgumentException("_rebuild_parameter arguments");
                    }
                    return v;
                };
        g.put("torch._utils._rebuild_parameter", parameter);
        g.put("torch._utils._rebuild_parameter_with_state", parameter);
        Object[][] storages = {
            {"FloatStorage", DType.F32},
            {"HalfStorage", DType.F16},
            {"BFloat16Storage", DType.BF16},
            {"DoubleStorage", DType.F64},
            {"LongStorage", DType.I64},
            {"IntStorage", DType.I32},
            {"ShortStorage", DType.I16},
            {"CharStorage", DType.I8},
            {"ByteStorage", DType.U8},
            {"BoolStorage", DType.BOOL},
            {"UntypedStorage", DType.U8}
        };
        for (Object[] s : storages) {
            g.put("torch." + s[0], new StorageType((DType) s[1]));
        }
        Object[][] dtypes = {
            {"float32", DType.F32},
            {"float", DType.F32},
            {"float16", DType.F16},
            {"half", DType.F16},
            {"bfloat16", DType.BF16},
            {"float64", DType.F64},
            {"double", DType.F64},
            {"int64", DType.I64},
            {"long", DType.I64},
            {"int32", DType.I32},
            {"int", DType.I32},
            {"int16", DType.I16},
            {"short", DType.I16},
            {"int8", DType.I8},
            {"uint8", DType.U8},
            {"bool", DType.BOOL}
        };
        for (Object[] d : dtypes) {
            g.put("torch." + d[0], d[1]);
        }
        return Map.copyOf(g);
    }
}
