package dev.ouroboros.harness.cli;

import dev.ouroboros.datasets.BlockFile;
import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.eval.report.PerSamplePpl;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.run.Continuation;
import dev.ouroboros.harness.run.RunChecks;
import dev.ouroboros.harness.train.CheckpointStore;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.io.Safetensors;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ouro verify RUN_DIR}: checks everything in a run directory that a later step trusts, and
 * lists every file that fails.
 */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Check every file of a run directory that a resume or a report trusts, and list each that fails.",
            "Checked: the config, the manifest against it (config hash, precision, init, derived seeds), metrics.jsonl (each row's checksum,",
            "second copies), each generation's eval.json and continuations.jsonl, the checksums of synthetic sets, cached blocks and",
            "training checkpoints, that each model's config.json and weights header read, the checksums each DONE records (eval.json, the",
            "kept model's files), metrics.jsonl's rows against the eval.json of their DONE generation, and that every generation a later",
            "DONE or a metrics row says is done is there. Rows and DONE markers from before checksums are named in one line as unverified.",
            "Exit 0 when every file passes, 2 otherwise."
        })
public final class VerifyCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN_DIR")
    Path runDir;

    private final List<String> failures = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private int checked;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.isRegularFile(runDir.resolve("config.resolved.yaml"))) {
            throw new dev.ouroboros.models.UserInputException(
                    runDir + ": not a run directory (no config.resolved.yaml)");
        }
        RunConfig[] cfg = new RunConfig[1];
        check(runDir.resolve("config.resolved.yaml"), f -> cfg[0] = load(f));
        Path metrics = runDir.resolve(MetricsLog.FILE);
        List<MetricsRow> rows = new ArrayList<>();
        if (Files.exists(metrics)) {
            check(
                    metrics,
                    f -> {
                        MetricsLog.Read read = MetricsLog.read(f);
                        rows.addAll(read.rows());
                        if (read.unverified() > 0) {
                            notes.add(
                                    f
                                            + ": "
                                            + read.unverified()
                                            + " of "
                                            + read.rows().size()
                                            + " rows carry no checksum (written before rows had"
                                            + " one): legacy, unverified");
                        }
                        if (!read.skipped().isEmpty()) {
                            throw new IllegalStateException(String.join("; ", read.skipped()));
                        }
                    });
        }
        if (cfg[0] != null) {
            checkAll(runDir.resolve("manifest.json"), () -> RunChecks.manifest(runDir, cfg[0]));
            checkAll(runDir, () -> RunChecks.generations(runDir, cfg[0], rows));
        }
        int[] legacy = {0};
        checkAll(runDir, () -> RunChecks.doneGenerations(runDir, legacy));
        if (legacy[0] > 0) {
            notes.add(
                    runDir
                            + ": "
                            + legacy[0]
                            + " DONE "
                            + (legacy[0] == 1 ? "generation records" : "generations record")
                            + " no checksums (written before DONE had them): their eval.json and"
                            + " models are legacy, unverified");
        }
        try (Stream<Path> all = Files.walk(runDir)) {
            for (Path f : all.filter(Files::isRegularFile).sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".bin") || name.endsWith(".blocks")) {
                    check(f, p -> BlockFile.open(p, null, 0).close());
                } else if (name.equals("eval.json")) {
                    check(f, PerSamplePpl::read);
                } else if (name.equals(Continuation.FILE)) {
                    check(f, Continuation::read);
                } else if (name.equals(CheckpointStore.COMPLETE)) {
                    Path checkpoint = f.getParent().getParent();
                    check(f.getParent(), p -> new CheckpointStore(checkpoint).verified(p));
                } else if (name.equals("config.json") && f.getParent().endsWith("model")) {
                    check(f, OptConfig::read);
                } else if (name.endsWith(".safetensors")
                        && f.getParent().getFileName().toString().equals("model")) {
                    check(f, Safetensors::metadata);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(runDir + ": cannot list", e);
        }
        for (String failure : failures) {
            out.println("✗ " + failure);
        }
        for (String note : notes) {
            out.println("· " + note);
        }
        out.println(
                failures.isEmpty()
                        ? "verified: " + checked + " files of " + runDir + " are sound"
                        : failures.size() + " of " + checked + " files of " + runDir + " fail");
        out.flush();
        return failures.isEmpty() ? 0 : ExitCode.BAD_INPUT;
    }

    /** config.resolved.yaml as {@code ouro resume} reads it (name and out from where it is). */
    private RunConfig load(Path f) {
        Path dir = runDir.toAbsolutePath().normalize();
        return RunConfig.load(
                f, List.of("out=" + dir.getParent(), "name=" + dir.getFileName().toString()));
    }

    private interface Checks {
        List<String> run() throws Exception;
    }

    /** One check over several files, each failure naming its own. */
    private void checkAll(Path what, Checks c) {
        checked++;
        try {
            failures.addAll(c.run());
        } catch (Exception e) {
            String msg = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            failures.add(msg.startsWith(what.toString()) ? msg : what + ": " + msg);
        }
    }

    private interface Check {
        void run(Path p) throws Exception;
    }

    private void check(Path file, Check c) {
        checked++;
        try {
            c.run(file);
        } catch (Exception e) {
            String msg = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            failures.add(msg.startsWith(file.toString()) ? msg : file + ": " + msg);
        }
    }
}
