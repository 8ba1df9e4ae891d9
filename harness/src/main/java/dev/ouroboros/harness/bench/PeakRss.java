package dev.ouroboros.harness.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * This process's peak resident set size, from Linux's {@code /proc/self/status} ({@code VmHWM}, the
 * high-water mark of RSS since the process started): the JVM, libtorch and everything the process
 * has held, not one call's share.
 */
public final class PeakRss {
    private PeakRss() {}

    /** Peak RSS in bytes, or -1 where {@code /proc/self/status} has no {@code VmHWM}. */
    public static long bytes() {
        return parse(Path.of("/proc/self/status"));
    }

    /** {@code VmHWM} of a {@code /proc/PID/status} file in bytes, or -1. */
    static long parse(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024; // always kB
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** {@code 1.23 GiB}, or {@code n/a} for a negative count. */
    public static String gib(long bytes) {
        return bytes < 0
                ? "n/a"
                : String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
