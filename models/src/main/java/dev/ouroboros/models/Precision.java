package dev.ouroboros.models;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * Compute precision: of training, {@code fp32} or {@code fp16} / {@code bf16} matmuls over fp32
 * master weights ({@link AutocastStore}; weights, gradients, optimizer state, checkpoints and
 * evaluation stay fp32 in every mode); of decoding, the dtype of the weights' copy and the KV cache
 * ({@code dev.ouroboros.models.decode.Generator#precision}).
 */
public enum Precision {
    FP32(null),
    FP16("to_fp16"),
    BF16("to_bf16");

    private final String castMethod;

    Precision(String castMethod) {
        this.castMethod = castMethod;
    }

    /** {@code fp32 | fp16 | bf16}; anything else is a user error naming {@code key}. */
    public static Precision parse(String key, String value) {
        for (Precision p : values()) {
            if (p.label().equals(value)) {
                return p;
            }
        }
        throw new UserInputException(key + " must be fp32, fp16 or bf16, got '" + value + "'");
    }

    /** The config spelling: {@code fp32}, {@code fp16}, {@code bf16}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the matmuls run in a 16-bit type. */
    public boolean isHalf() {
        return castMethod != null;
    }

    /** The tensor type: FLOAT32, FLOAT16 or BFLOAT16. */
    public DataType dataType() {
        return switch (this) {
            case FP32 -> DataType.FLOAT32;
            case FP16 -> DataType.FLOAT16;
            case BF16 -> DataType.BFLOAT16;
        };
    }

    /**
     * fp16's 5-bit exponent under-/overflows gradients: it needs dynamic loss scaling (bf16 does
     * not).
     */
    public boolean needsLossScaling() {
        return this == FP16;
    }

    /** The {@link TorchOps#cast} method that produces this type. */
    String castMethod() {
        if (castMethod == null) {
            throw new IllegalStateException("fp32 has no half cast");
        }
        return castMethod;
    }

    /** The {@link TorchOps#castAll} method that produces this type. */
    String castAllMethod() {
        return "all_" + castMethod();
    }
}
