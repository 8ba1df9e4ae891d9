package dev.ouroboros.harness.cli;

import dev.ouroboros.datasets.ContentCache;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.natives.Diagnosis;
import dev.ouroboros.harness.natives.NativeFacts;
import dev.ouroboros.harness.run.StudyData;
import dev.ouroboros.harness.run.StudyPlan;
import dev.ouroboros.models.io.FileTrees;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ouro validate CONFIG [key=value ...]}: checks a study can start, without training. */
@Command(
        name = "validate",
        mixinStandardHelpOptions = true,
        description = {
            "Check a run config without training: print the plan ouro run would follow, and its problems.",
            "The plan: the config, the device and precision, the model files, where the tokenizer comes from,",
            "the corpus and its splits (prepared through the data cache, as the run will), the position table,",
            "tokenizer/vocab agreement, what each policy draws, and disk space at the run's peak.",
            "Exit 0 when the plan holds, 2 otherwise (ouro run refuses with the same line)."
        })
public final class ValidateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CONFIG")
    Path config;

    @Parameters(
            index = "1..*",
            paramLabel = "KEY=VALUE",
            description = "Dotted overrides, as for ouro run.")
    List<String> overrides = new ArrayList<>();

    private final List<String> lines = new ArrayList<>();
    private boolean ok = true;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            check(out);
        } finally {
            out.println(ok ? "valid: " + config : "NOT valid: " + config);
            out.flush();
        }
        return ok ? 0 : ExitCode.BAD_INPUT;
    }

    /** Where prepared data is shared ({@code OURO_CACHE}); an unusable cache is not a failure. */
    static String cacheLine(ContentCache cache) {
        if (cache.root() == null) {
            return "data cache: off (" + ContentCache.ENV + ")";
        }
        String problem = cache.problem();
        return problem == null
                ? "data cache "
                        + cache.root()
                        + " ("
                        + ContentCache.ENV
                        + "): trained tokenizers and token blocks are shared between run directories"
                : "data cache "
                        + cache.root()
                        + ": "
                        + problem
                        + "; each run directory will prepare its own data";
    }

    private void check(PrintWriter out) {
        RunConfig cfg;
        try {
            cfg = RunConfig.load(config, overrides); // every value is checked here, as for run
        } catch (RuntimeException e) {
            ok = false;
            out.println("✗ config: " + e.getMessage());
            return;
        }
        StudyPlan plan = StudyPlan.of(cfg); // the plan ouro run builds, from the same config
        out.println(
                "✓ config "
                        + config
                        + ": name "
                        + cfg.name()
                        + ", "
                        + cfg.policies().size()
                        + " policies x "
                        + cfg.seeds().size()
                        + " seeds x "
                        + cfg.generations()
                        + " generations (hash "
                        + (plan.placement() != null
                                ? plan.config().hash()
                                : "unknown: the device does not resolve")
                        + ")");
        ContentCache cache =
                ContentCache.fromEnvironment(
                        System.getenv(), Path.of(System.getProperty("user.home")));
        if (cfg.kind() == RunConfig.Kind.LM && plan.firstProblem() == null) {
            checkData(plan, cache);
        }
        for (StudyPlan.Line l : plan.lines()) {
            out.println((l.ok() ? "✓ " : "✗ ") + l.text());
        }
        ok = plan.firstProblem() == null;
        out.println("✓ " + cacheLine(cache));
        // the native setup behind the device (doctor's short form; its problems are warnings)
        NativeFacts natives = NativeFacts.probe();
        out.println("  " + DoctorCommand.summary(natives));
        for (String p : Diagnosis.problems(natives)) {
            out.println("  ! " + p + " (ouro doctor)");
        }
    }

    /**
     * The plan's second half, as ouro run reaches it: the data prepared (into a temporary
     * directory, through the shared cache, so the run reuses what is made here) and checked.
     */
    private static void checkData(StudyPlan plan, ContentCache cache) {
        Path tmp;
        try {
            tmp = Files.createTempDirectory("ouro-validate-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory", e);
        }
        try {
            StudyData data = plan.prepareData(tmp.resolve("data"), cache, s -> {});
            if (data != null) {
                try (var tok = data.tokenizer()) {
                    plan.checkData(data);
                }
            }
        } finally {
            try {
                FileTrees.deleteTree(tmp);
            } catch (IOException e) {
                // a temporary directory left behind is not a problem of the config
            }
        }
    }
}
