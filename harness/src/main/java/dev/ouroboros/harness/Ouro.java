package dev.ouroboros.harness;

import dev.ouroboros.harness.base.StopRequest;
import dev.ouroboros.harness.base.Version;
import dev.ouroboros.harness.cli.CacheCommand;
import dev.ouroboros.harness.cli.ConvertCommand;
import dev.ouroboros.harness.cli.DoctorCommand;
import dev.ouroboros.harness.cli.EvalCommand;
import dev.ouroboros.harness.cli.ExitCode;
import dev.ouroboros.harness.cli.GenerateCommand;
import dev.ouroboros.harness.cli.InitCommand;
import dev.ouroboros.harness.cli.LsCommand;
import dev.ouroboros.harness.cli.ReportCommand;
import dev.ouroboros.harness.cli.ResumeCommand;
import dev.ouroboros.harness.cli.RunCommand;
import dev.ouroboros.harness.cli.SamplesCommand;
import dev.ouroboros.harness.cli.SetupCommand;
import dev.ouroboros.harness.cli.SweepCommand;
import dev.ouroboros.harness.cli.TrainCommand;
import dev.ouroboros.harness.cli.ValidateCommand;
import dev.ouroboros.harness.cli.VerifyCommand;
import dev.ouroboros.models.UserInputException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ouro} command line. Exit codes: 0 success, 2 bad input (one line naming the culprit,
 * no stack trace), 1 internal failure, 75 stopped by SIGTERM during training with a checkpoint
 * (resume continues from it).
 */
@Command(
        name = "ouro",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Ouroboros: model-collapse studies on OPT causal LMs with DJL.",
        subcommands = {
            RunCommand.class,
            ResumeCommand.class,
            SweepCommand.class,
            ValidateCommand.class,
            LsCommand.class,
            InitCommand.class,
            TrainCommand.class,
            EvalCommand.class,
            GenerateCommand.class,
            ConvertCommand.class,
            ReportCommand.class,
            VerifyCommand.class,
            SamplesCommand.class,
            DoctorCommand.class,
            SetupCommand.class,
            CacheCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Ouro {
    public static void main(String[] args) {
        StopRequest.installSignalHandler();
        System.exit(run(args));
    }

    /** Runs the CLI on stdout/stderr and returns its exit code. */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the CLI with the given streams and returns its exit code (tests call this). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Ouro());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler(Ouro::handle);
        cl.setParameterExceptionHandler(
                (ex, a) -> {
                    PrintWriter e = ex.getCommandLine().getErr();
                    e.println("ouro: " + ex.getMessage());
                    e.println( // "ouro generate bench", not "ouro bench"
                            "Try '"
                                    + ex.getCommandLine().getCommandSpec().qualifiedName()
                                    + " --help'.");
                    e.flush();
                    return ExitCode.BAD_INPUT;
                });
        return cl.execute(args);
    }

    private static int handle(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        if (ex instanceof StopRequest.Stopped) { // SIGTERM during training: resumable
            err.println("ouro: " + ex.getMessage());
            err.flush();
            return ExitCode.STOPPED;
        }
        Throwable bad = findUserError(ex);
        if (bad != null) {
            err.println("ouro: " + bad.getMessage());
            err.flush();
            return ExitCode.BAD_INPUT;
        }
        err.println("ouro: internal error: " + ex);
        ex.printStackTrace(err);
        err.flush();
        return ExitCode.FAILURE;
    }

    private static Throwable findUserError(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof UserInputException) {
                return c;
            }
        }
        String env = EnvironmentFault.describe(t); // an unwritable path, a full disk: not a bug
        return env == null ? null : new UserInputException(env);
    }
}
