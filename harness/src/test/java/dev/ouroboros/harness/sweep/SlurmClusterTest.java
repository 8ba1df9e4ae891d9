package dev.ouroboros.harness.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.harness.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ouro sweep --slurm --submit} against a running Slurm ({@code
 * scripts/slurm/local-cluster.sh up} and its {@code SLURM_CONF}): a 2-point smoke sweep (seeds 0
 * and 1, 2 generations, replace) submitted for real; task 0 is requeued with {@code scontrol
 * requeue} during its generation-1 training (its JVM checkpoints the step in progress and exits 75;
 * {@code ouro ls} shows it requeued); both points complete, and the merged metrics equal the same
 * sweep run in-process (wall-clock time aside). Skipped, with one line saying why, where sbatch is
 * not on the PATH or no cluster answers. About 70 s on 2 cores (submit to done 40-50 s).
 */
class SlurmClusterTest {
    private static final Pattern JOB = Pattern.compile("Submitted batch job (\\d+)");
    private static final long TIMEOUT_NS = 480_000_000_000L;

    @TempDir Path tmp;

    static List<String> smoke(Path out) {
        return List.of(
                SweepTest.SMOKE,
                "seed=0,1",
                "generations=2",
                "policies=[replace]",
                "out=" + out,
                "data.max_train_blocks=32",
                "data.max_test_blocks=16",
                "eval.diversity_prompts=4",
                "eval.self_bleu_samples=4",
                "generate.num_beams=2",
                "checkpoint.every_steps=1000",
                "log.every_steps=1");
    }

    /** Why the cluster test cannot run here, or null when it can. */
    static String whyNot() {
        SlurmClient.Answer sbatch = SlurmClient.call(List.of("sbatch", "--version"));
        if (sbatch.status() < 0) {
            return "sbatch is not on the PATH";
        }
        SlurmClient.Answer sinfo = SlurmClient.call(List.of("sinfo", "-h", "-o", "%T"));
        if (!sinfo.ok() || sinfo.out().isBlank()) {
            return "sbatch is on the PATH but no Slurm controller answers (sinfo: "
                    + (sinfo.err().isEmpty() ? "no nodes" : sinfo.err().lines().findFirst().get())
                    + ")";
        }
        return null;
    }

    @Test
    void aSweepOnSlurmSurvivesARequeueAndMatchesTheInProcessSweep() throws Exception {
        String why = whyNot();
        if (why != null) {
            System.out.println(
                    "SlurmClusterTest SKIPPED: "
                            + why
                            + " (scripts/slurm/local-cluster.sh up; export SLURM_CONF=... as it"
                            + " prints; docs/studies.md#slurm)");
        }
        Assumptions.assumeTrue(why == null, why);
        long t0 = System.nanoTime();
        Path viaSlurm = tmp.resolve("slurm");
        List<String> a = new ArrayList<>(List.of("sweep"));
        a.addAll(smoke(viaSlurm));
        a.addAll(List.of("--slurm", "--submit", "--cpus-per-task", "1", "--mem", "2G"));
        CliRun sub = CliRun.of(a.toArray(String[]::new));
        assertEquals(0, sub.exitCode(), sub.out() + sub.err());
        Matcher m = JOB.matcher(sub.out());
        assertTrue(m.find(), sub.out());
        String job = m.group(1);
        Path sweep = viaSlurm.resolve("smoke");
        assertTrue(
                Files.readString(sweep.resolve("sweep.json")).contains("\"id\" : \"" + job + "\""));
        String task0 = job + "_0";
        Path log0 = sweep.resolve("slurm-" + task0 + ".out");
        try {
            awaitLine(log0, Pattern.compile("gen=1: training[\\s\\S]*step 1/"));
            SlurmClient.Answer rq = SlurmClient.call(List.of("scontrol", "requeue", task0));
            assertTrue(rq.ok(), "scontrol requeue: " + rq.err());
            awaitState(task0, "PENDING");
            CliRun ls = CliRun.of("ls", viaSlurm.toString());
            assertTrue(ls.out().contains("slurm " + task0 + " requeued, pending"), ls.out());
            // Slurm holds a requeued job for ~2 minutes; the test need not wait for that
            SlurmClient.call(List.of("scontrol", "update", "JobId=" + task0, "StartTime=now"));
            awaitGone(job);
        } finally {
            SlurmClient.call(List.of("scancel", job));
        }
        double slurmS = (System.nanoTime() - t0) / 1e9;
        String log = Files.readString(log0);
        assertTrue(log.contains("ouro: stopped at step "), log);
        assertTrue(log.contains("restart 1 ") && log.contains("resuming from "), log);

        // the same intra-op threads as the tasks (--cpus-per-task 1 -> OMP_NUM_THREADS=1): the
        // rounding of batched kernels depends on them
        ai.djl.engine.Engine.getInstance();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
        List<String> b = new ArrayList<>(List.of("sweep"));
        b.addAll(smoke(tmp.resolve("inproc")));
        b.add("--no-report");
        CliRun in = CliRun.of(b.toArray(String[]::new));
        assertEquals(0, in.exitCode(), in.out() + in.err());

        List<String> viaSlurmRows = rows(sweep);
        // per point: test, generated, real and synthetic of generation 0, the first three of 1
        assertEquals(2 * 7, viaSlurmRows.size(), String.join("\n", viaSlurmRows));
        assertEquals(rows(tmp.resolve("inproc/smoke")), viaSlurmRows);
        System.out.printf(
                "SlurmClusterTest: job %s, task 0 requeued mid generation 1: submit to done %.0f s,"
                        + " %d merged rows equal to the in-process sweep's%n",
                job, slurmS, viaSlurmRows.size());
    }

    /** The sweep's merged metrics rows, wall-clock time left out. */
    private static List<String> rows(Path sweep) throws IOException {
        SweepMetrics.merge(sweep);
        List<String> out = new ArrayList<>();
        for (MetricsRow r : MetricsLog.read(sweep.resolve(MetricsLog.FILE)).rows()) {
            out.add(
                    r.policy()
                            + " "
                            + r.seed()
                            + " "
                            + r.generation()
                            + " "
                            + r.split()
                            + " "
                            + r.metrics()
                            + " "
                            + r.raw());
        }
        return out;
    }

    private static void awaitLine(Path log, Pattern p) throws Exception {
        long end = System.nanoTime() + TIMEOUT_NS;
        while (System.nanoTime() < end) {
            if (Files.exists(log) && p.matcher(Files.readString(log)).find()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no " + p + " in " + log + " within the time limit");
    }

    private static void awaitState(String task, String state) throws Exception {
        long end = System.nanoTime() + TIMEOUT_NS;
        while (System.nanoTime() < end) {
            Map<String, String> q = SlurmClient.queued(List.of(task));
            if (q != null && state.equals(q.get(task))) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(task + " never became " + state);
    }

    private static void awaitGone(String job) throws Exception {
        long end = System.nanoTime() + TIMEOUT_NS;
        while (System.nanoTime() < end) {
            Map<String, String> q = SlurmClient.queued(List.of(job));
            if (q != null && q.values().stream().noneMatch(SlurmClient::active)) {
                return;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("job " + job + " did not finish within the time limit");
    }
}
