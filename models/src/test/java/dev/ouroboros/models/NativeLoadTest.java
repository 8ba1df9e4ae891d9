package dev.ouroboros.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.ouroboros.models.io.DType;
import dev.ouroboros.models.io.MappingScope;
import dev.ouroboros.models.io.RawTensor;
import dev.ouroboros.models.io.Safetensors;
import dev.ouroboros.models.io.StateDicts;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Checkpoints load into libtorch-owned fp32 parameters straight from the mapped file: nothing of
 * the checkpoint's size is allocated on the Java heap or in Java direct memory, the mapping is gone
 * once the model is loaded, the values are bit-identical to {@link RawTensor#toFloats()} (the
 * previous path), and rewriting the file in place afterwards does not touch the model.
 */
class NativeLoadTest {
    /** An OPT of ~13.6M parameters: 54 MB as F32, 27 MB as F16/BF16. */
    private static final OptConfig SHAPE = OptConfig.tiny(16384, 384, 4, 6, 1536, 512);

    @ParameterizedTest
    @EnumSource(
            value = DType.class,
            names = {"F16", "BF16"})
    void everySixteenBitPatternWidensAsInJava(DType dtype, @TempDir Path tmp) {
        ByteBuffer b = ByteBuffer.allocate(2 * 65536).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 65536; i++) {
            b.putShort(2 * i, (short) i);
        }
        assertWidensAsInJava(new RawTensor("all", dtype, new long[] {256, 256}, b), tmp);
    }

    @ParameterizedTest
    @EnumSource(
            value = DType.class,
            names = {"F32", "F64"})
    void randomBitsAndSpecialValuesConvertAsInJava(DType dtype, @TempDir Path tmp) {
        int n = 4096;
        ByteBuffer b = ByteBuffer.allocate(n * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        Random r = new Random(7);
        double[] special = {0.0, -0.0, 1e-40, -1e-310, 3.4e38, 1e300, Double.NaN, -1.0 / 0};
        for (int i = 0; i < n; i++) {
            if (dtype == DType.F32) {
                b.putInt(
                        4 * i,
                        i < special.length
                                ? Float.floatToRawIntBits((float) special[i])
                                : r.nextInt());
            } else {
                b.putDouble(8 * i, i < special.length ? special[i] : r.nextGaussian() * 1e3);
            }
        }
        assertWidensAsInJava(new RawTensor("x", dtype, new long[] {64, 64}, b), tmp);
    }

    /**
     * Mapped (direct) and heap bytes alike: same raw fp32 bits as toFloats, except that libtorch's
     * F16 widening (PyTorch's too) quiets a signalling NaN, which Java keeps.
     */
    private static void assertWidensAsInJava(RawTensor heap, Path tmp) {
        Path file = tmp.resolve("t.safetensors");
        Safetensors.write(file, List.of(heap), null);
        int[] want = bits(heap.toFloats());
        if (heap.dtype() == DType.F16) {
            for (int i = 0; i < want.length; i++) {
                want[i] |= Float.isNaN(Float.intBitsToFloat(want[i])) ? 0x0040_0000 : 0;
            }
        }
        try (MappingScope scope = new MappingScope();
                NDManager m = NDManager.newBaseManager(Device.cpu())) {
            RawTensor mapped = Safetensors.read(file, scope).get(heap.name());
            assertTrue(mapped.data().isDirect());
            for (RawTensor t : List.of(mapped, heap)) {
                NDArray a = NativeTensors.fp32(m, t);
                assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, a.getDataType());
                assertArrayEquals(heap.shape(), a.getShape().getShape());
                assertArrayEquals(want, bits(a.toFloatArray()), heap.dtype() + " " + t.data());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = DType.class,
            names = {"F32", "F16", "BF16"})
    void loadingAllocatesNothingOfTheCheckpointsSizeInJava(DType dtype, @TempDir Path dir) {
        long bytes = writeCheckpoint(dir, dtype);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        System.gc();
        long direct0 = pool("direct").getMemoryUsed();
        long mapped0 = pool("mapped").getCount();
        long heap0 = threads.getThreadAllocatedBytes(tid);
        try (LanguageModel model = LanguageModel.load(dir, Device.cpu())) {
            long heap = threads.getThreadAllocatedBytes(tid) - heap0;
            long direct = pool("direct").getMemoryUsed() - direct0;
            // the previous path allocated 4 bytes per parameter twice: toFloats, then DJL's
            // direct copy of the FloatBuffer
            assertTrue(
                    heap < bytes / 10,
                    "heap allocated while loading " + heap + " B for a " + bytes + " B file");
            assertTrue(direct < (1 << 20), "direct memory grew by " + direct + " B");
            long mapped = pool("mapped").getCount();
            assertTrue(mapped <= mapped0, "the checkpoint is still mapped: " + mapped);

            Map<String, RawTensor> sd = StateDicts.read(dir); // the old path's values
            for (Map.Entry<String, Parameter> e : model.block().parametersByName().entrySet()) {
                String key = e.getKey();
                RawTensor t = sd.get(key.startsWith("decoder.") ? "model." + key : key);
                assertArrayEquals(
                        bits(t.toFloats()),
                        bits(e.getValue().getArray().toFloatArray()),
                        e.getKey());
            }
        }
    }

    @Test
    void rewritingTheFileInPlaceLeavesALoadedModelIntact(@TempDir Path dir) throws Exception {
        writeCheckpoint(dir, DType.F32);
        Path file = dir.resolve("model.safetensors");
        try (LanguageModel model = LanguageModel.load(dir, Device.cpu())) {
            Parameter p = model.block().parametersByName().get("decoder.embed_tokens.weight");
            float[] before = p.getArray().toFloatArray();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                long size = ch.size();
                ch.truncate(0); // what `cp other model.safetensors` does to the same inode
                ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
                for (long at = 0; at < size; at += zeros.capacity()) {
                    ch.write(zeros.clear(), at);
                }
            }
            assertArrayEquals(before, p.getArray().toFloatArray());
            try (NDManager m = model.manager().newSubManager()) {
                float[] logits =
                        model.logits(m, new long[][] {{2, 5, 9}}, new long[][] {{1, 1, 1}})
                                .toFloatArray();
                for (float v : logits) {
                    assertTrue(Float.isFinite(v));
                }
            }
        }
    }

    /** config.json + model.safetensors of a random OPT of {@link #SHAPE} in {@code dtype}. */
    private static long writeCheckpoint(Path dir, DType dtype) {
        try (LanguageModel m = LanguageModel.random(SHAPE, 3, Device.cpu())) {
            m.save(dir);
        }
        Path file = dir.resolve("model.safetensors");
        if (dtype != DType.F32) {
            List<RawTensor> narrowed = new ArrayList<>();
            for (RawTensor t : Safetensors.read(file).values()) {
                narrowed.add(narrow(t, dtype));
            }
            Safetensors.write(file, narrowed, null);
        }
        return file.toFile().length();
    }

    /** F32 to F16 or BF16 by truncation (the test compares two readings of the same bits). */
    private static RawTensor narrow(RawTensor t, DType dtype) {
        int n = Math.toIntExact(t.numel());
        ByteBuffer out = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            int f = t.data().getInt(4 * i);
            out.putShort(2 * i, (short) (dtype == DType.BF16 ? f >>> 16 : toHalf(f)));
        }
        return new RawTensor(t.name(), dtype, t.shape(), out);
    }

    private static int toHalf(int f) {
        int sign = (f >>> 16) & 0x8000;
        int exp = ((f >>> 23) & 0xff) - 127 + 15;
        if (exp <= 0) {
            return sign; // below fp16's normal range: signed zero
        }
        return exp >= 31 ? sign | 0x7bff : sign | (exp << 10) | ((f >>> 13) & 0x3ff);
    }

    private static BufferPoolMXBean pool(String name) {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private static int[] bits(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Float.floatToRawIntBits(v[i]);
        }
        return out;
    }
}
