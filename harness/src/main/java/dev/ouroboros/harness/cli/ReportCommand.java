package dev.ouroboros.harness.cli;

import dev.ouroboros.eval.report.Report;
import dev.ouroboros.harness.sweep.SweepMetrics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ouro report RUN_DIR}: seed-averaged tables, plots and a self-contained index.html. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = {
            "Aggregate a run directory over seeds and write RUN_DIR/report/ (tables, plots, index.html).",
            "Mean, std and 95%% Student-t CI per cell: summary.csv, summary.md, plots/*.png and index.html",
            "(self-contained).",
            "Works on a run that is still going or was killed: it reads the rows that are there.",
            "On a sweep directory (ouro sweep) the points' metrics.jsonl are merged into its own first."
        })
public final class ReportCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(
            index = "0",
            paramLabel = "RUN_DIR",
            description = "The run directory (holds metrics.jsonl).")
    Path runDir;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (java.nio.file.Files.isDirectory(runDir) && SweepMetrics.isSweep(runDir)) {
            out.printf(
                    "sweep: merged %d rows of %d cell(s) into %s%n",
                    SweepMetrics.merge(runDir),
                    SweepMetrics.points(runDir).size(),
                    runDir.resolve("metrics.jsonl"));
        }
        Report.Result r = Report.write(runDir);
        PrintWriter err = spec.commandLine().getErr();
        for (String s : r.skipped()) { // one warning line per skipped line of metrics.jsonl
            err.println("ouro: warning: " + s);
        }
        err.flush();
        out.printf(
                "report: %d rows%s → %s%n",
                r.rows(),
                r.skipped().isEmpty()
                        ? ""
                        : " (" + r.skipped().size() + " line(s) skipped, named above)",
                r.dir().resolve("index.html"));
        out.flush();
        return 0;
    }
}
