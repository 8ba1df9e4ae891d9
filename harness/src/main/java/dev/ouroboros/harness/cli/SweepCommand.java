package dev.ouroboros.harness.cli;

import dev.ouroboros.eval.report.Report;
import dev.ouroboros.harness.sweep.SlurmClient;
import dev.ouroboros.harness.sweep.SlurmJobs;
import dev.ouroboros.harness.sweep.SlurmOptions;
import dev.ouroboros.harness.sweep.SlurmResources;
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
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ouro sweep CONFIG key=v1,v2 seed=0..4 [overrides] [--gpus 0,1] [--slurm [--submit]]
 * [--dry-run]}.
 */
@Command(
        name = "sweep",
        mixinStandardHelpOptions = true,
        description = {
            "Run a grid of studies, one run directory per point under out/<name>/<point> (e.g. policy=replace,seed=0).",
            "key=v1,v2 and key=a..b (integers, inclusive) are axes; policy=... and seed=... are sugar for",
            "policies=[x] / seeds=[x] and default to the config's own lists; other key=value are shared overrides.",
            "Points run one after another in this process, or one per GPU with --gpus (each child sees only its GPU),",
            "or as a Slurm array job with --slurm [--submit]; finished points are skipped.",
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
            description =
                    "Run points as child processes, one per GPU (CUDA_VISIBLE_DEVICES=N, device=cuda:0).")
    List<Integer> gpus = new ArrayList<>();

    @Option(
            names = "--slurm",
            description =
                    "Write out/<name>/sweep.sbatch (a Slurm array job, one task per unfinished point) instead of running.")
    boolean slurm;

    @Option(
            names = "--submit",
            description =
                    "With --slurm: submit it (sbatch) and record the job id in sweep.json; `ouro ls` then shows each point's state.")
    boolean submit;

    @ArgGroup(
            exclusive = false,
            heading = "Slurm resources per task (override the config's slurm.* keys):%n")
    SlurmFlags slurmFlags = new SlurmFlags();

    /** Flags over {@code slurm.*}; null: the config's value. */
    static final class SlurmFlags {
        @Option(names = "--partition", paramLabel = "P", description = "slurm.partition")
        String partition;

        @Option(names = "--account", paramLabel = "A", description = "slurm.account")
        String account;

        @Option(names = "--time", paramLabel = "T", description = "slurm.time, e.g. 4:00:00")
        String time;

        @Option(names = "--gpus-per-task", paramLabel = "N", description = "slurm.gpus_per_task")
        Integer gpus;

        @Option(names = "--cpus-per-task", paramLabel = "N", description = "slurm.cpus_per_task")
        Integer cpus;

        @Option(names = "--mem", paramLabel = "M", description = "slurm.mem, e.g. 64G")
        String mem;

        @Option(names = "--throttle", paramLabel = "N", description = "slurm.array_throttle (%%N)")
        Integer throttle;

        @Option(names = "--signal-seconds", paramLabel = "S", description = "slurm.signal_seconds")
        Integer signal;

        @Option(
                names = "--sbatch",
                paramLabel = "OPTION",
                description = "One more sbatch option (repeatable), added to slurm.extra.")
        List<String> extra = new ArrayList<>();
    }

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
            return slurm(sweep, out);
        } else if (submit) {
            throw new UserInputException("--submit goes with --slurm");
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

    /** --slurm [--submit]: the script of the unfinished points, submitted when asked. */
    private int slurm(Sweep sweep, PrintWriter out) {
        SlurmFlags f = slurmFlags;
        SlurmOptions opts =
                SlurmOptions.load(config, sweep.grid().fixed())
                        .with(
                                f.partition,
                                f.account,
                                f.time,
                                f.gpus,
                                f.cpus,
                                f.mem,
                                f.throttle,
                                f.signal,
                                f.extra);
        if (submit) {
            List<String> queued = SlurmJobs.stillQueued(sweep.dir());
            if (!queued.isEmpty()) {
                throw new UserInputException(
                        sweep.dir()
                                + ": an earlier submission still has "
                                + queued.size()
                                + " task(s) in the queue ("
                                + String.join(", ", queued)
                                + "): wait for them, or scancel them first");
            }
        }
        SlurmResources res =
                SlurmResources.resolve(opts, sweep.base().device(), SlurmClient::partitionGres);
        SlurmJobs.Script s = sweep.writeSlurm(res);
        if (s.path() == null) {
            out.printf("sweep %s: every cell is done; nothing to submit%n", sweep.dir());
            out.flush();
            return 0;
        }
        out.printf(
                "wrote %s (%d array task(s), one per unfinished cell)%n",
                s.path(), s.cells().size());
        out.printf("each task: %s%n", res.summary());
        out.printf(
                "tasks run %s (no build)%n",
                s.jar() != null
                        ? s.jar()
                        : "this classpath: do not rebuild it until the sweep is done");
        if (submit) {
            String id = SlurmClient.submit(s.path());
            SlurmJobs.record(sweep.dir(), id, s);
            out.printf("Submitted batch job %s%n", id);
        } else {
            out.printf("submit:     sbatch %s   (or add --submit)%n", s.path());
        }
        out.printf(
                "then:       scripts/ouro ls %s   and   scripts/ouro report %s%n",
                sweep.dir(), sweep.dir());
        out.flush();
        return 0;
    }
}
