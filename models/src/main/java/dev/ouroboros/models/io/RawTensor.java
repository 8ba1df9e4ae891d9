package dev.ouroboros.models.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One tensor as read from (or to be written to) a checkpoint file: name, element type, shape and
 * its raw little-endian bytes, independent of DJL so that file formats stay testable without an
 * engine.
 *
 * @param name state-dict key, e.g. {@code model.decoder.layers.0.fc1.weight}
 * @param dtype element type on disk
 * @param shape dimensions (empty for a scalar)
 * @param data exactly {@code numel * dtype.bytes()} bytes, little-endian, position 0
 */
public record RawTensor(String name, DType dtype, long[] shape, ByteBuffer data) {

    public RawTensor {
        shape = shape.clone();
        long expected = numel(shape) * dtype.bytes();
        if (data.remaining() != expected) {
            throw new IllegalArgumentException(
                    name
                            + ": "
                            + data.remaining()
                            + " bytes for shape "
                            + Arrays.toString(shape)
                            + " "
                            + dtype
                            + " (expected "
                            + expected
                            + ")");
        }
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long numel() {
        return numel(shape);
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * Values widened to fp32 (F16 and BF16 decoded in Java: docs/design.md#bf16-crashes-the-jvm).
     */
    public float[] toFloats() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> b.asFloatBuffer().get(out);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = halfToFloat(b.getShort(2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) b.getDouble(8 * i);
                }
            }
            default ->
                    throw new IllegalStateException(
                            name + ": " + dtype + " is not a floating-point type");
        }
        return out;
    }

    /** An F32 tensor from Java floats. */
    public static RawTensor ofFloats(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new RawTensor(name, DType.F32, shape, b);
    }

    /** IEEE 754 binary16 to binary32 (Java 17 has no Float.float16ToFloat). */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf / NaN
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign); // signed zero
            }
            float v = mant * 0x1p-24f; // subnormal: mant * 2^-24
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
