package dev.ouroboros.harness.cli;

import dev.ouroboros.eval.report.Report;
import dev.ouroboros.harness.sweep.RunMerge;
import dev.ouroboros.harness.sweep.SweepMetrics;
import dev.ouroboros.models.UserInputException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ouro report RUN_DIR... [--out DIR] [--baseline POLICY]}: seed-averaged tables, policies
 * against a baseline paired by seed, plots and a self-contained index.html.
 */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = {
            "Aggregate a run directory over seeds and write RUN_DIR/report/ (tables, plots, index.html).",
            "Mean, std and 95%% Student-t CI per cell (perplexities on the log scale: geometric mean,",
            "interval of the mean NLL): summary.csv, summary.md; every policy against a baseline policy,",
            "paired by seed (mean difference or, for perplexities, ratio; 95%% paired-t CI; exact",
            "sign-flip p and its floor): compare.csv, compare.md (the real split is not compared);",
            "plots/*.png and index.html (self-contained, headline metrics first).",
            "Works on a run that is still going or was killed: it reads the rows that are there.",
            "On a sweep directory (ouro sweep) or a folder of runs, the runs' metrics.jsonl are merged",
            "into its own first. Several RUN_DIRs are merged into --out DIR (again on every report;",
            "ouro report DIR later merges the same runs anew). Two runs holding the same policy and",
            "seed are an error, unless they are copies of one run."
        })
public final class ReportCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(
            arity = "1..*",
            paramLabel = "RUN_DIR",
            description = "Run directories (each holds metrics.jsonl), sweeps or folders of runs.")
    List<Path> runDirs;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description =
                    "Where the merge of several RUN_DIRs goes: DIR/metrics.jsonl, DIR/merge.json,"
                            + " DIR/report/ (needed with more than one RUN_DIR).")
    Path out;

    @Option(
            names = "--baseline",
            paramLabel = "POLICY",
            description =
                    "The policy the others are compared with (default: the run's first policy, that"
                            + " of the first row of metrics.jsonl).")
    String baseline;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path target;
        if (runDirs.size() == 1 && this.out == null) {
            target = runDirs.get(0);
            if (Files.isDirectory(target) && RunMerge.isMerge(target)) {
                List<Path> runs = RunMerge.runs(target);
                out.printf(
                        "merge: %d rows of %d run(s) into %s%n",
                        RunMerge.merge(runs, target), runs.size(), target.resolve("metrics.jsonl"));
            } else if (Files.isDirectory(target) && SweepMetrics.isSweep(target)) {
                out.printf(
                        "sweep: merged %d rows of %d cell(s) into %s%n",
                        SweepMetrics.merge(target),
                        SweepMetrics.points(target).size(),
                        target.resolve("metrics.jsonl"));
            }
        } else {
            if (this.out == null) {
                throw new UserInputException(
                        runDirs.size()
                                + " run directories need --out DIR (where the merged metrics.jsonl"
                                + " and report/ go)");
            }
            target = this.out;
            out.printf(
                    "merge: %d rows of %d run(s) into %s%n",
                    RunMerge.merge(runDirs, target),
                    runDirs.size(),
                    target.resolve("metrics.jsonl"));
        }
        Report.Result r = Report.write(target, baseline);
        PrintWriter err = spec.commandLine().getErr();
        for (String s : r.skipped()) { // one warning line per skipped line of metrics.jsonl
            err.println("ouro: warning: " + s);
        }
        err.flush();
        out.printf(
                "report: %d rows%s%s → %s%n",
                r.rows(),
                r.skipped().isEmpty()
                        ? ""
                        : " (" + r.skipped().size() + " line(s) skipped, named above)",
                r.baseline() == null ? "" : ", baseline " + r.baseline(),
                r.dir().resolve("index.html"));
        out.flush();
        return 0;
    }
}
