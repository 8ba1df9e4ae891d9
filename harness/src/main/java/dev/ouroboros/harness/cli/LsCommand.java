package dev.ouroboros.harness.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ouroboros.harness.config.YamlConfig;
import dev.ouroboros.harness.run.RunDir;
import dev.ouroboros.harness.sweep.RunMerge;
import dev.ouroboros.harness.sweep.SlurmJobs;
import dev.ouroboros.harness.sweep.SweepMetrics;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ouro ls [RUNS_DIR]}: one line per run directory (sweep points included). */
@Command(
        name = "ls",
        mixinStandardHelpOptions = true,
        description = {
            "List the run directories under RUNS_DIR (default runs): progress, and whether one is running.",
            "Sweep points show as SWEEP/POINT, merges of runs (ouro report A B --out M) as M with the runs they name. Per run: policies x seeds, generations DONE/planned per (policy, seed),",
            "last modified, and whether a process holds its lock now; for a sweep submitted with --slurm --submit,",
            "each point's Slurm task and its state (squeue; sacct once it has left the queue, when there is accounting)."
        })
public final class LsCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.systemDefault());

    @Spec CommandSpec spec;

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "RUNS_DIR",
            description = "Default: runs.")
    Path runs = Path.of("runs");

    @Override
    public Integer call() throws IOException {
        if (!Files.isDirectory(runs)) {
            throw new UserInputException(runs + ": no such directory");
        }
        PrintWriter out = spec.commandLine().getOut();
        List<String> lines = new ArrayList<>();
        if (isRun(runs)) {
            lines.add(line(runs, runs.getFileName().toString()));
        }
        if (RunMerge.isMerge(runs)) {
            lines.add(mergeLine(runs, runs.getFileName().toString()));
        }
        for (Path d : children(runs)) {
            if (isRun(d)) {
                lines.add(line(d, d.getFileName().toString()));
            } else if (RunMerge.isMerge(d)) {
                lines.add(mergeLine(d, d.getFileName().toString()));
            } else if (Files.exists(d.resolve(SweepMetrics.MARKER))
                    || !SweepMetrics.points(d).isEmpty()) {
                Map<String, String> slurm = slurmStates(d);
                for (Path c : children(d)) {
                    if (isRun(c)) {
                        String state = slurm.get(c.getFileName().toString());
                        lines.add(
                                line(c, d.getFileName() + "/" + c.getFileName())
                                        + (state == null ? "" : "  " + state));
                    }
                }
            }
        }
        if (lines.isEmpty()) {
            out.println("no run directories under " + runs);
        }
        lines.forEach(out::println);
        out.flush();
        return 0;
    }

    /**
     * The Slurm state of each submitted point of a sweep ({@link SlurmJobs#states}); a warning line
     * when squeue cannot be asked.
     */
    private Map<String, String> slurmStates(Path sweep) {
        Map<String, String> m = SlurmJobs.states(sweep);
        if (m == null) {
            spec.commandLine()
                    .getErr()
                    .println(
                            "ouro: warning: "
                                    + sweep
                                    + " was submitted to Slurm, but squeue cannot be asked here:"
                                    + " no Slurm states shown");
            return Map.of();
        }
        return m;
    }

    /** {@code name merge of N runs: A, B, … (ouro report name)}. */
    static String mergeLine(Path merge, String name) {
        String what;
        try {
            List<Path> of = RunMerge.runs(merge);
            what =
                    "merge of "
                            + of.size()
                            + " run(s): "
                            + String.join(
                                    ", ",
                                    of.stream().map(p -> String.valueOf(p.getFileName())).toList());
        } catch (UserInputException e) {
            what = "merge, unreadable: " + e.getMessage();
        }
        return String.format("%-40s %s  (ouro report %s)", name, what, merge);
    }

    static boolean isRun(Path d) {
        return Files.isRegularFile(d.resolve("config.resolved.yaml"))
                || Files.isRegularFile(d.resolve("manifest.json"));
    }

    private static List<Path> children(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(Files::isDirectory).sorted().toList();
        }
    }

    /** {@code name P policies x S seeds gens p/s=d/G ... modified locked|idle}. */
    static String line(Path run, String name) throws IOException {
        List<String> policies = new ArrayList<>();
        List<Long> seeds = new ArrayList<>();
        int planned = -1;
        try {
            JsonNode c = YamlConfig.YAML.readTree(run.resolve("config.resolved.yaml").toFile());
            c.path("policies").forEach(p -> policies.add(p.asText()));
            c.path("seeds").forEach(s -> seeds.add(s.asLong()));
            planned = c.path("generations").asInt(-1);
        } catch (IOException e) {
            // no readable config: show what is on disk
        }
        StringBuilder gens = new StringBuilder();
        for (String p : policies) {
            for (long s : seeds) {
                Path cell = RunDir.cell(run, p, s);
                gens.append(' ')
                        .append(p)
                        .append('/')
                        .append(s)
                        .append('=')
                        .append(countDone(cell))
                        .append('/')
                        .append(planned < 0 ? "?" : planned);
            }
        }
        return String.format(
                "%-40s %d policies x %d seeds %s  modified %s  %s",
                name,
                policies.size(),
                seeds.size(),
                gens.length() == 0 ? " (no config)" : " gens" + gens,
                TIME.format(lastModified(run).toInstant()),
                lockState(run));
    }

    static int countDone(Path cell) throws IOException {
        if (!Files.isDirectory(cell)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(cell)) {
            return (int)
                    s.filter(g -> g.getFileName().toString().startsWith("gen=") && RunDir.done(g))
                            .count();
        }
    }

    static FileTime lastModified(Path run) throws IOException {
        try (Stream<Path> s = Files.walk(run, 5)) {
            return s.map(
                            p -> {
                                try {
                                    return Files.getLastModifiedTime(p);
                                } catch (IOException e) {
                                    return FileTime.fromMillis(0);
                                }
                            })
                    .max(FileTime::compareTo)
                    .orElse(FileTime.fromMillis(0));
        }
    }

    /**
     * "LOCKED (running)" when another holder has the .lock now; the probe lock is released at once.
     */
    static String lockState(Path run) {
        Path lock = run.resolve(".lock");
        if (!Files.exists(lock)) {
            return "idle";
        }
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) {
                return "LOCKED (running)";
            }
            l.release();
            return "idle";
        } catch (OverlappingFileLockException e) {
            return "LOCKED (running)";
        } catch (IOException e) {
            return "lock unreadable";
        }
    }
}
