package dev.ouroboros.models;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads a checkpoint onto the CPU and reports memory (not a test: the Java "load only" side of
 * scripts/bench/inference-memory.sh, whose peak RSS is taken by {@code /usr/bin/time -v}).
 *
 * <pre>
 * java -Dai.djl.pytorch.num_threads=1 -cp models/target/test-classes:harness/target/ouroboros.jar \
 *   dev.ouroboros.models.LoadOnly CHECKPOINT_DIR
 * </pre>
 *
 * <p>Prints one JSON line: load seconds, the RSS right after loading and its peak so far ({@code
 * VmRSS}, {@code VmHWM} of /proc/self/status), the Java heap in use after a GC. Uses only {@link
 * LanguageModel#load(Path, Device)}, so that it compiles against older builds too. Bad input: one
 * line, exit 2.
 */
public final class LoadOnly {
    private LoadOnly() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1 || !Files.isDirectory(Path.of(args[0]))) {
            System.err.println("usage: LoadOnly CHECKPOINT_DIR (a directory)");
            System.exit(2);
        }
        System.setProperty("ai.djl.offline", "true");
        long t0 = System.nanoTime();
        try (LanguageModel m = LanguageModel.load(Path.of(args[0]), Device.cpu())) {
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.gc();
            Runtime rt = Runtime.getRuntime();
            System.out.printf(
                    "{\"side\": \"djl\", \"mode\": \"load\", \"parameters\": %d, \"load_s\": %.2f,"
                            + " \"rss_after_load_mib\": %.1f, \"peak_rss_mib\": %.1f,"
                            + " \"heap_used_mib\": %.1f}%n",
                    m.parameterCount(),
                    seconds,
                    status("VmRSS") / 1024.0,
                    status("VmHWM") / 1024.0,
                    (rt.totalMemory() - rt.freeMemory()) / 1048576.0);
        } catch (RuntimeException e) {
            System.err.println("LoadOnly: " + e.getMessage());
            System.exit(2);
        }
    }

    /** A {@code kB} field of /proc/self/status, or -1 where there is none. */
    private static long status(String field) throws IOException {
        Path p = Path.of("/proc/self/status");
        if (!Files.exists(p)) {
            return -1;
        }
        for (String line : Files.readAllLines(p)) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
