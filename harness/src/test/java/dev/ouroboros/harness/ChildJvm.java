package dev.ouroboros.harness;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A child JVM for the tests that kill or isolate a run: this test's classpath, a 1 GiB heap, DJL
 * offline with one intra-op thread, CPU PyTorch, stderr joined to stdout, the module directory as
 * working directory.
 */
public final class ChildJvm {
    private ChildJvm() {}

    /**
     * {@code java … [-Douro.crash=CRASH] -cp CLASSPATH MAIN ARGS…}, not started yet; {@code crash}
     * (a {@link dev.ouroboros.models.CrashPoint} spec) may be null.
     */
    public static ProcessBuilder of(String crash, String mainClass, List<String> args) {
        String cp =
                System.getProperty(
                        "surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                java,
                                "-Xmx1g",
                                "-Dai.djl.offline=true",
                                "-DOPT_OUT_TRACKING=true",
                                "-Dai.djl.pytorch.num_threads=1"));
        if (crash != null) {
            cmd.add("-Douro.crash=" + crash);
        }
        cmd.addAll(List.of("-cp", cp, mainClass));
        cmd.addAll(args);
        ProcessBuilder pb =
                new ProcessBuilder(cmd).redirectErrorStream(true).directory(new File("."));
        pb.environment().put("PYTORCH_FLAVOR", "cpu");
        return pb;
    }

    /** {@code ouro ARGS…} in a child JVM. */
    public static ProcessBuilder ouro(String crash, List<String> args) {
        return of(crash, Ouro.class.getName(), args);
    }
}
