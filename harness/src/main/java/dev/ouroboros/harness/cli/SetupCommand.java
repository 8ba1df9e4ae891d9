package dev.ouroboros.harness.cli;

import dev.ouroboros.harness.natives.LibtorchSetup;
import dev.ouroboros.harness.natives.NativeFacts;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ouro setup [--flavor cu128|cpu]}: libtorch + JNI into DJL's cache, for offline nodes. */
@Command(
        name = "setup",
        mixinStandardHelpOptions = true,
        subcommands = SetupCorenlpCommand.class,
        description = {
            "Fetch libtorch 2.7.1 and its JNI into DJL's cache (DJL_CACHE_DIR, default ~/.djl.ai).",
            "Run it once where publish.djl.ai is reachable; compute nodes that share the cache then start offline.",
            "Exit 2 with one line naming the URL when the download fails.",
            "`ouro setup corenlp`: the CoreNLP models that eval.syntactic needs (see its --help)."
        })
public final class SetupCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--flavor",
            paramLabel = "cu128|cpu",
            description =
                    "Which build (default: PYTORCH_FLAVOR, which scripts/ouro sets from OURO_FLAVOR; else cpu).")
    String flavor;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        // DJL's own "Downloading <url> ..." lines, one per file, are the progress of a 2.5 GB fetch
        ((ch.qos.logback.classic.Logger)
                        org.slf4j.LoggerFactory.getLogger("ai.djl.pytorch.jni.LibUtils"))
                .setLevel(ch.qos.logback.classic.Level.INFO);
        LibtorchSetup.Result r =
                LibtorchSetup.run(
                        flavor,
                        line -> {
                            err.println(line);
                            err.flush();
                        });
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
                Locale.ROOT,
                "libtorch %s %s in %s (%.1f GiB%s)%n",
                r.version(),
                r.flavor(),
                r.dir(),
                LibtorchSetup.size(r.dir()) / (double) (1L << 30),
                r.jni() != null ? ", JNI " + r.jni().getFileName() : "");
        boolean cpuJar =
                NativeFacts.probeClasspathNatives().stream()
                        .anyMatch(n -> n.flavor().equals("cpu"));
        if (!r.flavor().equals("cpu") && cpuJar) {
            out.println(
                    "note: this jar carries the CPU natives, which DJL takes over any cache; to use "
                            + r.flavor()
                            + ", run with OURO_FLAVOR="
                            + r.flavor()
                            + " scripts/ouro");
        }
        out.println(
                "offline nodes: share this DJL_CACHE_DIR and run with PYTORCH_FLAVOR="
                        + r.flavor()
                        + " (scripts/ouro sets it from OURO_FLAVOR); check with `ouro doctor`");
        out.flush();
        return 0;
    }
}
