package dev.ouroboros.harness.cli;

import dev.ouroboros.harness.natives.Diagnosis;
import dev.ouroboros.harness.natives.NativeFacts;
import dev.ouroboros.models.Accelerators;
import dev.ouroboros.models.Placement;
import dev.ouroboros.models.PrecisionChoice;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ouro doctor}: which libtorch runs here, on what, and what is wrong with the setup. */
@Command(
        name = "doctor",
        mixinStandardHelpOptions = true,
        description = {
            "Show the native setup: engine, libtorch version and flavor, JNI, GPUs, DJL's cache, settings.",
            "Lists what is wrong with a fix for each (CUDA asked for with no GPU or a CPU native jar,",
            "a libtorch or JNI other than 2.7.1, an ignored PYTORCH_LIBRARY_PATH).",
            "Exit 0 when nothing is wrong, 2 otherwise."
        })
public final class DoctorCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        NativeFacts f = NativeFacts.probe();
        List<String> problems = Diagnosis.problems(f);
        PrintWriter out = spec.commandLine().getOut();
        report(f).forEach(out::println);
        // optional: only eval.syntactic needs it, so a missing model is not a problem here
        out.println(
                "corenlp    "
                        + dev.ouroboros.eval.syntax.corenlp.CoreNlpModels.status(
                                dev.ouroboros.harness.run.SyntaxModels.dir()));
        if (problems.isEmpty()) {
            out.println("ok         nothing wrong found");
        } else {
            problems.forEach(p -> out.println("✗ " + p));
        }
        out.flush();
        return problems.isEmpty() ? 0 : ExitCode.BAD_INPUT;
    }

    /** The report's lines, before the problems. */
    static List<String> report(NativeFacts f) {
        List<String> l = new ArrayList<>();
        l.add(
                "engine     "
                        + (f.engine() != null ? f.engine() : "did not load")
                        + " (DJL "
                        + f.djlVersion()
                        + "; its JNI is built for libtorch "
                        + f.expectedLibtorch()
                        + ")");
        l.add(
                "libtorch   "
                        + (f.libtorchVersion() == null
                                ? "none loaded"
                                : f.libtorchVersion()
                                        + ", flavor "
                                        + f.flavor()
                                        + (f.cudaBuild() ? " (CUDA kernels)" : "")
                                        + ", from "
                                        + f.libtorchDir()));
        l.add(
                "JNI        "
                        + (f.jniVersion() != null
                                ? "pytorch-jni " + f.jniVersion() + " on the classpath"
                                : "no pytorch-jni jar on the classpath (DJL downloads the JNI)"));
        if (f.classpathNatives().isEmpty()) {
            l.add(
                    "natives    none on the classpath (cuda build): libtorch comes from DJL's cache,"
                            + " a download, or PYTORCH_LIBRARY_PATH");
        }
        for (NativeFacts.ClasspathNative n : f.classpathNatives()) {
            l.add(
                    "natives    pytorch-native "
                            + n.flavor()
                            + " "
                            + n.version()
                            + " "
                            + n.classifier()
                            + " ("
                            + n.where()
                            + ")");
        }
        l.add(
                "CUDA       "
                        + (f.cudaRuntime() == null
                                ? "none (CUDA's runtime sees no GPU)"
                                : cudaVersion(f.cudaRuntime()) + " runtime"));
        if (f.gpus().isEmpty()) {
            l.add("GPUs       none");
        }
        for (NativeFacts.Gpu g : f.gpus()) {
            l.add(
                    "GPU "
                            + g.id()
                            + "      compute capability "
                            + accelerators(f).capability(g.id())
                            + ", "
                            + (g.totalBytes() < 0
                                    ? "memory unknown"
                                    : gib(g.totalBytes()) + " (" + gib(g.usedBytes()) + " used)"));
        }
        l.add(
                "cache      "
                        + f.cacheDir()
                        + ": "
                        + (f.cached().isEmpty()
                                ? "no libtorch cached"
                                : String.join(", ", f.cached())));
        List<String> s = new ArrayList<>();
        for (String name : NativeFacts.SETTINGS) {
            String v = f.setting(name);
            s.add(v == null ? name + " unset" : name + "=" + v);
        }
        l.add(
                "cpu        "
                        + dev.ouroboros.models.CpuFingerprint.current()
                        + " (results are bit-identical only on CPUs with this fingerprint)");
        l.add("settings   " + String.join(", ", s));
        if (f.engine() != null) {
            Placement p = Placement.resolve("auto", PrecisionChoice.AUTO, () -> accelerators(f));
            l.add("auto       " + p.line());
        }
        return l;
    }

    /** One line for {@code ouro validate}: engine, libtorch and GPUs. */
    static String summary(NativeFacts f) {
        if (f.engine() == null) {
            return "engine did not load: " + f.loadError();
        }
        return "engine "
                + f.engine()
                + " (DJL "
                + f.djlVersion()
                + "), libtorch "
                + f.libtorchVersion()
                + " "
                + f.flavor()
                + " from "
                + f.libtorchDir()
                + ", GPUs: "
                + (f.gpus().isEmpty()
                        ? "none"
                        : f.gpus().size() + " (CUDA " + cudaVersion(f.cudaRuntime()) + ")");
    }

    static Accelerators accelerators(NativeFacts f) {
        return new Accelerators(
                f.engine(),
                f.gpusInBox(),
                f.cudaBuild(),
                f.gpus().stream().map(NativeFacts.Gpu::capability).toList());
    }

    private static String cudaVersion(String djl) {
        // DJL spells 12.8 as "128"
        return djl != null && djl.matches("\\d{3}")
                ? Integer.parseInt(djl.substring(0, 2)) + "." + djl.charAt(2)
                : String.valueOf(djl);
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
