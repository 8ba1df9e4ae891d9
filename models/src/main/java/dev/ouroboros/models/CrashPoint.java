package dev.ouroboros.models;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test seam for crash-safety tests: with {@code -Douro.crash=NAME:N}, the N-th time the process
 * passes the point {@code NAME} it halts at once with exit code 137 ({@link Runtime#halt}: no
 * shutdown hooks, no finally blocks, no flushing — what SIGKILL does). Without the property every
 * call is a no-op map lookup.
 */
public final class CrashPoint {
    private static final String SPEC = System.getProperty("ouro.crash");
    private static final ConcurrentHashMap<String, AtomicInteger> HITS = new ConcurrentHashMap<>();

    private CrashPoint() {}

    public static void here(String name) {
        if (SPEC == null) {
            return;
        }
        int colon = SPEC.lastIndexOf(':');
        String target = colon < 0 ? SPEC : SPEC.substring(0, colon);
        int n = colon < 0 ? 1 : Integer.parseInt(SPEC.substring(colon + 1));
        if (target.equals(name)
                && HITS.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet() == n) {
            System.err.println("ouro: crash point " + name + ":" + n + " reached, halting");
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
    }
}
