package dev.ouroboros.models;

import java.util.Locale;

/**
 * The {@code precision} a config or option asks for: a fixed {@link Precision}, or {@code auto}
 * (bf16 on a GPU with bf16 support, fp32 otherwise), which {@link Placement#resolve} turns into one
 * on the machine that runs. Only the resolved precision determines results, so only it is hashed
 * and recorded.
 */
public enum PrecisionChoice {
    AUTO,
    FP32,
    FP16,
    BF16;

    /** {@code auto | fp32 | fp16 | bf16}; anything else is a user error naming {@code key}. */
    public static PrecisionChoice parse(String key, String value) {
        for (PrecisionChoice p : values()) {
            if (p.label().equals(value)) {
                return p;
            }
        }
        throw new UserInputException(
                key + " must be auto, fp32, fp16 or bf16, got '" + value + "'");
    }

    /** The choice that always gives {@code p}. */
    public static PrecisionChoice of(Precision p) {
        return valueOf(p.name());
    }

    /** The config spelling: {@code auto}, {@code fp32}, {@code fp16}, {@code bf16}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isAuto() {
        return this == AUTO;
    }

    /** The precision this choice fixes; {@code auto} has none until it is resolved. */
    public Precision fixed() {
        if (this == AUTO) {
            throw new IllegalStateException(
                    "precision auto has not been resolved on this machine (Placement.resolve)");
        }
        return Precision.valueOf(name());
    }
}
