package dev.ouroboros.harness.run;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ouroboros.models.UserInputException;

/**
 * {@code generate.batch_size}: prompts per batch, or {@code auto} (as many as the device's free
 * memory holds on a GPU, {@link #CPU_AUTO} on the CPU; {@link GenerateBatch}). A fixed size is
 * written and hashed as the number it always was, so run directories made before {@code auto} keep
 * their hash.
 *
 * @param prompts at least 1, or 0 for {@code auto}
 */
public record BatchSize(int prompts) {
    public static final BatchSize AUTO = new BatchSize(0);

    /** What {@code auto} means on the CPU: the old default (a bigger batch buys little there). */
    public static final int CPU_AUTO = 16;

    public BatchSize {
        if (prompts < 0) {
            throw bad(Integer.toString(prompts));
        }
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static BatchSize read(JsonNode n) {
        String s = n.asText().trim();
        if (s.equals("auto")) {
            return AUTO;
        }
        if ((n.isIntegralNumber() || n.isTextual()) && s.matches("[0-9]{1,9}")) {
            int v = Integer.parseInt(s);
            if (v >= 1) {
                return new BatchSize(v);
            }
        }
        throw bad(n.isTextual() ? s : n.toString());
    }

    /** {@code --batch-size} and overrides: a positive integer or {@code auto}. */
    public static BatchSize parse(String s) {
        return read(com.fasterxml.jackson.databind.node.TextNode.valueOf(s));
    }

    @JsonValue
    Object json() {
        return isAuto() ? "auto" : (Object) prompts;
    }

    public boolean isAuto() {
        return prompts == 0;
    }

    /** The size of a fixed choice; {@code auto} must have been resolved ({@link GenerateBatch}). */
    public int fixed() {
        if (isAuto()) {
            throw new IllegalStateException(
                    "generate.batch_size auto has not been resolved (GenerateBatch.resolve)");
        }
        return prompts;
    }

    private static UserInputException bad(String got) {
        return new UserInputException(
                "config: generate.batch_size must be a positive integer or auto, got '"
                        + got
                        + "'");
    }
}
