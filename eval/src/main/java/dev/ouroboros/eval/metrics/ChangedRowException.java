package dev.ouroboros.eval.metrics;

/**
 * A metrics row whose {@code sha256} does not match its content: it was changed after it was
 * written. Never skipped or repaired silently: every reader refuses it.
 */
public final class ChangedRowException extends IllegalArgumentException {
    public ChangedRowException(String message) {
        super(message);
    }
}
