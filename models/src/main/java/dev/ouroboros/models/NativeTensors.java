package dev.ouroboros.models;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ouroboros.models.io.RawTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;

/**
 * A checkpoint tensor turned into an fp32 array that libtorch owns, without a copy on the Java heap
 * (docs/design.md#loading-without-heap-copies).
 *
 * <p>On the CPU, DJL's {@code create(directBuffer, shape, type)} does not copy: it wraps the
 * buffer's memory ({@code torch::from_blob}, the Java buffer kept alive by the array). Handed a
 * slice of the memory-mapped checkpoint, that array would alias the file: read-only (an in-place
 * update would crash) and changed by anyone who rewrites the file in place. So the mapped bytes are
 * only ever the <em>source</em> of one native operation, and the aliasing array is closed right
 * after: F32 is cloned, F16 and F64 are created in their own type and widened by {@code toType},
 * all inside libtorch. BF16 cannot be named to DJL's JNI (docs/design.md#bf16-crashes-the-jvm), so
 * it is widened ({@code bits << 16}) by Java straight into the memory of an empty fp32 array.
 * Either way the only full-size copy is the parameter itself.
 */
public final class NativeTensors {
    private NativeTensors() {}

    /**
     * {@code t} as a new FLOAT32 array of {@code manager} (its device), bit-identical to {@link
     * RawTensor#toFloats()}; nothing of it refers to {@code t}'s bytes afterwards.
     */
    public static NDArray fp32(NDManager manager, RawTensor t) {
        Shape shape = new Shape(t.shape());
        if (t.numel() == 0) {
            return manager.zeros(shape, DataType.FLOAT32);
        }
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) { // the bytes are little-endian
            return manager.create(FloatBuffer.wrap(t.toFloats()), shape);
        }
        Device device = manager.getDevice();
        if (device.getDeviceType().equals(Device.Type.CPU)) {
            return onCpu(manager, t, shape);
        }
        try (NDManager host = manager.newSubManager(Device.cpu())) { // staged, then one transfer
            NDArray moved = onCpu(host, t, shape).toDevice(device, false);
            moved.attach(manager);
            return moved;
        }
    }

    private static NDArray onCpu(NDManager manager, RawTensor t, Shape shape) {
        return switch (t.dtype()) {
            case F32 -> owned(manager, t.data(), shape, DataType.FLOAT32);
            case F16 -> widened(manager, t.data(), shape, DataType.FLOAT16);
            case F64 -> widened(manager, t.data(), shape, DataType.FLOAT64);
            case BF16 -> bf16(manager, t.data(), shape);
            default ->
                    throw new IllegalStateException(
                            t.name() + ": " + t.dtype() + " is not a floating-point type");
        };
    }

    /** The bytes as a {@code type} array in libtorch-owned memory. */
    private static NDArray owned(NDManager manager, ByteBuffer bytes, Shape shape, DataType type) {
        if (!bytes.isDirect()) { // an inflated zip entry or a re-strided pickle view, on the heap
            NDArray a = manager.create(shape, type);
            a.toByteBuffer(true).put(bytes.duplicate());
            return a;
        }
        try (NDArray view = manager.create(bytes, shape, type)) { // aliases the mapping
            return view.duplicate(); // torch clone
        }
    }

    /** {@code type} bytes widened to fp32 by libtorch. */
    private static NDArray widened(
            NDManager manager, ByteBuffer bytes, Shape shape, DataType type) {
        try (NDArray src =
                bytes.isDirect()
                        ? manager.create(bytes, shape, type)
                        : owned(manager, bytes, shape, type)) {
            return src.toType(DataType.FLOAT32, false);
        }
    }

    /** bf16 is the upper half of an fp32: written element by element into the array's memory. */
    private static NDArray bf16(NDManager manager, ByteBuffer bytes, Shape shape) {
        NDArray out = manager.create(shape, DataType.FLOAT32);
        IntBuffer dst = out.toByteBuffer(true).order(ByteOrder.nativeOrder()).asIntBuffer();
        ShortBuffer src = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        int n = src.remaining();
        for (int i = 0; i < n; i++) {
            dst.put(i, (src.get(i) & 0xffff) << 16);
        }
        return out;
    }
}
