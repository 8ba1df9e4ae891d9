package dev.ouroboros.harness.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.harness.base.StopRequest;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.policy.MixingPolicy;
import dev.ouroboros.harness.run.RunDir;
import dev.ouroboros.harness.run.Study;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * {@code ouro sweep}: one run directory per grid point under {@code out/<name>/<point>}, each an
 * ordinary study (what {@code ouro run CONFIG <point overrides> out=out/<name> name=<point>}
 * makes), so every point resumes on its own and a finished point is skipped. (A point is not a
 * {@link Study} cell: a point is a whole run directory, with cells of its own.) What the sweep
 * prints and writes (its messages, sweep.json's {@code cells}, sweep.sbatch) keeps the word cell.
 */
public final class Sweep {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A planned point: its grid point, resolved config, and directory. */
    public record Planned(Grid.Point point, RunConfig config, Path dir) {
        /** Every generation of every (policy, seed) of this point is DONE. */
        public boolean done() {
            for (MixingPolicy p : config.policies()) {
                for (long s : config.seeds()) {
                    for (int t = 0; t < config.generations(); t++) {
                        if (!RunDir.done(RunDir.gen(RunDir.cell(dir, p.spec(), s), t))) {
                            return false;
                        }
                    }
                }
            }
            return true;
        }
    }

    /** What a sweep ran: points finished before, run now, failed (name → reason). */
    /**
     * What a sweep did; {@code badInput}: how many of the failed points failed on bad input (a
     * one-line user error, exit 2 of their child) rather than an internal failure.
     */
    public record Outcome(
            List<String> skipped, List<String> ran, List<String> failed, int badInput) {}

    private final Path config;
    private final Grid grid;
    private final RunConfig base;
    private final Path dir;
    private final List<Planned> points;

    private Sweep(Path config, Grid grid, RunConfig base, Path dir, List<Planned> points) {
        this.config = config;
        this.grid = grid;
        this.base = base;
        this.dir = dir;
        this.points = points;
    }

    /** Expands and validates every point's config (no training, nothing written). */
    public static Sweep plan(Path config, List<String> args) {
        Grid grid = Grid.parse(args);
        RunConfig base = RunConfig.load(config, grid.fixed());
        Path dir = base.runDir();
        List<Planned> points = new ArrayList<>();
        for (Grid.Point point : grid.points(base)) {
            List<String> ov = new ArrayList<>(point.overrides());
            ov.add("out=" + dir);
            ov.add("name=" + point.name());
            RunConfig cfg;
            try {
                cfg = RunConfig.load(config, ov);
            } catch (UserInputException e) {
                throw new UserInputException("sweep cell " + point.name() + ": " + e.getMessage());
            }
            points.add(new Planned(point, cfg, dir.resolve(point.name())));
        }
        return new Sweep(config, grid, base, dir, points);
    }

    public Path dir() {
        return dir;
    }

    public List<Planned> points() {
        return points;
    }

    /** The axes and the overrides shared by every point. */
    public Grid grid() {
        return grid;
    }

    /** The config with the shared overrides (no axis applied). */
    public RunConfig base() {
        return base;
    }

    /** Writes sweep.json: the config, the shared overrides and every point's overrides. */
    public void writeMarker() {
        ObjectNode n = JSON.createObjectNode();
        n.put("config", config.toString());
        n.put("name", base.name());
        ArrayNode f = n.putArray("overrides");
        grid.fixed().forEach(f::add);
        ArrayNode a = n.putArray("cells");
        for (Planned p : points) {
            ObjectNode e = a.addObject();
            e.put("name", p.point().name());
            ArrayNode o = e.putArray("overrides");
            p.point().overrides().forEach(o::add);
        }
        ArrayNode jobs = SlurmJobs.read(dir);
        if (!jobs.isEmpty()) {
            n.set(SlurmJobs.KEY, jobs);
        }
        AtomicFile.write(
                dir.resolve(SweepMetrics.MARKER),
                n.toPrettyString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Runs the unfinished points one after another in this process, each through {@link Study#run}.
     */
    public Outcome runInProcess(Consumer<String> console) {
        writeMarker();
        List<String> skipped = new ArrayList<>();
        List<String> ran = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        int badInput = 0;
        int i = 0;
        for (Planned p : points) {
            i++;
            if (p.done()) {
                skipped.add(p.point().name());
                console.accept(
                        "sweep: ["
                                + i
                                + "/"
                                + points.size()
                                + "] "
                                + p.point().name()
                                + ": done, skipped");
                continue;
            }
            console.accept("sweep: [" + i + "/" + points.size() + "] " + p.point().name());
            Consumer<String> log = pointLog(p.dir(), console);
            try {
                Study.run(p.config(), p.point().overrides(), log);
                ran.add(p.point().name());
            } catch (StopRequest.Stopped e) {
                log.accept(e.getMessage());
                throw e; // SIGTERM: the whole sweep stops; running it again resumes the point
            } catch (UserInputException e) {
                log.accept("FAILED: " + e.getMessage());
                failed.add(p.point().name() + ": " + e.getMessage());
                badInput++;
            } catch (RuntimeException e) {
                log.accept("FAILED (internal error): " + e);
                failed.add(p.point().name() + ": internal error: " + e.getMessage());
            }
        }
        return new Outcome(skipped, ran, failed, badInput);
    }

    /**
     * Runs the unfinished points as child processes ({@code java -cp <this classpath>
     * dev.ouroboros.harness.Ouro run CONFIG <point overrides> device=cuda:N}), one at a time per
     * GPU, pulling from one queue; each point logs to {@code <point>/ouro.log}.
     */
    public Outcome runOnGpus(List<Integer> gpus, Consumer<String> console) {
        writeMarker();
        List<String> skipped = Collections.synchronizedList(new ArrayList<>());
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        List<String> failed = Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger badInput =
                new java.util.concurrent.atomic.AtomicInteger();
        ConcurrentLinkedQueue<Planned> queue = new ConcurrentLinkedQueue<>();
        for (Planned p : points) {
            if (p.done()) {
                skipped.add(p.point().name());
                console.accept("sweep: " + p.point().name() + ": done, skipped");
            } else {
                queue.add(p);
            }
        }
        List<Thread> workers = new ArrayList<>();
        for (int gpu : gpus) {
            Thread t =
                    new Thread(
                            () -> {
                                Planned p;
                                while ((p = queue.poll()) != null) {
                                    Child child = gpuChild(p, gpu);
                                    console.accept(
                                            "sweep: gpu "
                                                    + gpu
                                                    + ": "
                                                    + p.point().name()
                                                    + " (log "
                                                    + p.dir().resolve("ouro.log")
                                                    + ")");
                                    try {
                                        Files.createDirectories(p.dir());
                                        Path log = p.dir().resolve("ouro.log");
                                        ProcessBuilder pb = new ProcessBuilder(child.command());
                                        pb.environment().putAll(child.env());
                                        Process proc =
                                                pb.redirectErrorStream(true)
                                                        .redirectOutput(
                                                                ProcessBuilder.Redirect.appendTo(
                                                                        log.toFile()))
                                                        .start();
                                        int rc = proc.waitFor();
                                        if (rc == 0) {
                                            ran.add(p.point().name());
                                        } else {
                                            if (rc == 2) { // the child's one-line user error
                                                // (cli.ExitCode.BAD_INPUT)
                                                badInput.incrementAndGet();
                                            }
                                            failed.add(
                                                    p.point().name()
                                                            + ": exit "
                                                            + rc
                                                            + " (see "
                                                            + log
                                                            + ")");
                                        }
                                    } catch (IOException e) {
                                        failed.add(
                                                p.point().name()
                                                        + ": cannot start ("
                                                        + e.getMessage()
                                                        + ")");
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                        failed.add(p.point().name() + ": interrupted");
                                        return;
                                    }
                                }
                            },
                            "sweep-gpu-" + gpu);
            t.start();
            workers.add(t);
        }
        for (Thread t : workers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for sweep cells", e);
            }
        }
        return new Outcome(
                List.copyOf(skipped), List.copyOf(ran), List.copyOf(failed), badInput.get());
    }

    /** A child process: its command line and what it adds to the inherited environment. */
    public record Child(List<String> command, Map<String, String> env) {}

    /**
     * The child for one point on GPU {@code gpu}: {@code CUDA_VISIBLE_DEVICES=gpu}, so neither
     * libtorch nor the driver opens a context on any other GPU, and {@code device=cuda:0}, the one
     * GPU it sees.
     */
    public Child gpuChild(Planned p, int gpu) {
        List<String> cmd = new ArrayList<>(javaCommand(System.getProperty("java.class.path")));
        cmd.add("run");
        cmd.add(config.toAbsolutePath().toString());
        cmd.addAll(p.point().overrides());
        cmd.add("out=" + dir.toAbsolutePath());
        cmd.add("name=" + p.point().name());
        cmd.add("device=cuda:0");
        return new Child(cmd, Map.of("CUDA_VISIBLE_DEVICES", Integer.toString(gpu)));
    }

    /**
     * {@code java <this JVM's options> -cp <classpath> dev.ouroboros.harness.Ouro}: the same java
     * and JVM options as this process (agents left out).
     */
    static List<String> javaCommand(String classpath) {
        List<String> cmd = new ArrayList<>();
        cmd.add(
                ProcessHandle.current()
                        .info()
                        .command()
                        .orElse(
                                Path.of(System.getProperty("java.home"), "bin", "java")
                                        .toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-agentlib")
                    && !a.startsWith("-javaagent")
                    && !a.startsWith("-Djava.class.path")) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add("dev.ouroboros.harness.Ouro");
        return cmd;
    }

    /**
     * Writes {@code <sweep>/sweep.sbatch} for the points not done yet (array task i runs the i-th
     * of them) and their config.resolved.yaml; returns the script and the points it runs. The tasks
     * run this process's classpath: a single jar (what {@code scripts/ouro} runs) is first copied
     * into {@code <sweep>/jar/}, named by its content, so a rebuild while tasks wait or requeue
     * does not change the code they run.
     */
    public SlurmJobs.Script writeSlurm(SlurmResources res) {
        writeMarker();
        List<SlurmScript.Task> tasks = new ArrayList<>();
        for (Planned p : points) {
            if (!p.done()) {
                prepare(p);
                tasks.add(new SlurmScript.Task(p.point().name(), p.dir()));
            }
        }
        if (tasks.isEmpty()) {
            return new SlurmJobs.Script(null, List.of(), null);
        }
        String cp = System.getProperty("java.class.path");
        String jar = SlurmJobs.snapshotJar(cp, dir);
        SlurmScript s =
                new SlurmScript(base.name(), dir, tasks, res, javaCommand(jar != null ? jar : cp));
        Path script = dir.resolve("sweep.sbatch");
        AtomicFile.write(script, s.text().getBytes(StandardCharsets.UTF_8));
        try {
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException e) {
            script.toFile().setExecutable(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new SlurmJobs.Script(
                script, tasks.stream().map(SlurmScript.Task::name).toList(), jar);
    }

    /**
     * Writes a point's config.resolved.yaml (what `ouro resume` reads) unless the point was started
     * already.
     */
    private static void prepare(Planned p) {
        Path resolved = p.dir().resolve("config.resolved.yaml");
        if (Files.exists(p.dir().resolve("manifest.json")) || Files.exists(resolved)) {
            return;
        }
        String text =
                "# prepared by ouro sweep; resume with: scripts/ouro resume "
                        + p.dir()
                        + "\n"
                        + "# cell overrides: "
                        + String.join(" ", p.point().overrides())
                        + "\n"
                        + p.config().toYaml();
        AtomicFile.write(resolved, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Merges the points' metrics into the sweep's metrics.jsonl; returns the rows. */
    public int mergeMetrics() {
        return SweepMetrics.merge(dir);
    }

    /** Tees a point's console lines into {@code <point>/ouro.log}. */
    private static Consumer<String> pointLog(Path pointDir, Consumer<String> console) {
        try {
            Files.createDirectories(pointDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path log = pointDir.resolve("ouro.log");
        return line -> {
            console.accept(line);
            try {
                Files.writeString(
                        log,
                        Instant.now() + " " + line + "\n",
                        StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                // the console still has it
            }
        };
    }
}
