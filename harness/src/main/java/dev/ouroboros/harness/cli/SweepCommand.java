package dev.ouroboros.harness.cli;

import dev.ouroboros.eval.report.Report;
import dev.ouroboros.harness.sweep.Sweep;
import dev.ouroboros.models.UserInputException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ouro sweep CONFIG key=v1,v2 seed=0..4 [overrides] [--gpus 0,1] [--slurm] [--dry-run]}. */
@Command(
        name = "sweep",
        mixinStandardHelpOptions = true,
        description = {
            "Run a grid of studies, one run directory per point under out/<name>/<point> (e.g. policy=replace,seed=0).",
            "key=v1,v2 and key=a..b (integers, inclusive) are axes; policy=... and seed=... are sugar for",
            "policies=[x] / seeds=[x] and default to the config's own lists; other key=value are shared overrides.",
            "Points run one after another in this process, or one per GPU with --gpus; finished points are skipped.",
            "Afterwards the points' metrics are merged into out/<name>/metrics.jsonl and the report is written.",
            "Exit 1 if any point failed."
        })
public final class SweepCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(SweepCommand.class);

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CONFIG", description = "YAML config (configs/*.yaml).")
    Path config;

    @Parameters(
            index = "1..*",
            paramLabel = "KEY=VALUES",
            description = "Axes (key=a,b or key=0..4) and overrides.")
    List<String> args = new ArrayList<>();

    @Option(
            names = "--gpus",
            split = ",",
            paramLabel = "N",
            description = "Run points as child processes, one per GPU (device=cuda:N).")
    List<Integer> gpus = new ArrayList<>();

    @Option(
            names = "--slurm",
            description =
                    "Write out/<name>/sweep.sbatch (a Slurm array job, one task per point) instead of running.")
    boolean slurm;

    @Option(
            names = "--dry-run",
            description = "List the points (and their state) without running anything.")
    boolean dryRun;

    @Option(names = "--no-report", description = "Do not write the report after the sweep.")
    boolean noReport;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Sweep sweep = Sweep.plan(config, args);
        if (gpus.stream().anyMatch(g -> g < 0) || gpus.stream().distinct().count() != gpus.size()) {
            throw new UserInputException(
                    "--gpus: expected distinct GPU indices like 0,1,2, got " + gpus);
        }
        if (dryRun) {
            out.printf("sweep %s: %d cell(s)%n", sweep.dir(), sweep.points().size());
            for (Sweep.Planned p : sweep.points()) {
                out.printf(
                        "  %-5s %s   %s%n",
                        p.done() ? "done" : Files.exists(p.dir()) ? "part" : "new",
                        p.dir(),
                        String.join(" ", p.point().overrides()));
            }
            out.flush();
            return 0;
        }
        if (slurm) {
            Path script = sweep.writeSlurm();
            out.printf(
                    "wrote %s (%d array task(s), one per cell)%n", script, sweep.points().size());
            out.printf("build once: OURO_FLAVOR=cu128 scripts/ouro --version%n");
            out.printf("submit:     sbatch %s%n", script);
            out.printf(
                    "then:       scripts/ouro ls %s   and   scripts/ouro report %s%n",
                    sweep.dir(), sweep.dir());
            out.flush();
            return 0;
        }
        Sweep.Outcome o =
                gpus.isEmpty() ? sweep.runInProcess(LOG::info) : sweep.runOnGpus(gpus, LOG::info);
        int rows = sweep.mergeMetrics();
        out.printf(
                "sweep %s: %d cell(s): %d run, %d already done, %d failed; %d metrics rows merged%n",
                sweep.dir(),
                sweep.points().size(),
                o.ran().size(),
                o.skipped().size(),
                o.failed().size(),
                rows);
        for (String f : o.failed()) {
            out.println("  FAILED " + f);
        }
        if (!noReport && rows > 0) {
            Report.Result r = Report.write(sweep.dir());
            for (String s : r.skipped()) {
                spec.commandLine().getErr().println("ouro: warning: " + s);
            }
            out.printf("report: %d rows → %s%n", r.rows(), r.dir().resolve("index.html"));
        }
        out.flush();
        if (o.failed().isEmpty()) {
            return 0;
        }
        // every failed point failed on bad input: that is the sweep's answer too
        return o.badInput() == o.failed().size() ? ExitCode.BAD_INPUT : ExitCode.FAILURE;
    }
}
