package dev.ouroboros.harness.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.ChildJvm;
import dev.ouroboros.harness.sweep.SlurmJobs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ouro ls} shows each submitted sweep point's Slurm state, from a fake {@code squeue} and
 * {@code sacct} first on the PATH of a child JVM: queued tasks from squeue (a requeued one's runs
 * counted from its log), finished ones from accounting, and a warning line when squeue is missing.
 */
class LsSlurmTest {
    @TempDir Path tmp;

    @Test
    void statesComeFromSqueueThenSacct() throws Exception {
        Path sweep = sweepOfThreePoints();
        Path bin =
                fakeSlurm("printf '12_0|RUNNING\\n12_1|PENDING\\n'", "printf '12_2|COMPLETED\\n'");
        // task 12_0 started twice (a requeue), task 12_1 once and is pending again
        Files.writeString(
                sweep.resolve("slurm-12_0.out"),
                "ouro: task 12_0 restart 0 on n1 at x: a\nouro: task 12_0 restart 1 on n1 at x: a\n");
        Files.writeString(
                sweep.resolve("slurm-12_1.out"), "ouro: task 12_1 restart 0 on n1 at x: b\n");
        String out = ls(bin);
        assertTrue(line(out, "s/a").endsWith("slurm 12_0 running (run 2)"), out);
        assertTrue(line(out, "s/b").endsWith("slurm 12_1 requeued, pending"), out);
        assertTrue(line(out, "s/c").endsWith("slurm 12_2 completed"), out);
    }

    @Test
    void withoutAccountingAFinishedTaskIsNotInTheQueue() throws Exception {
        sweepOfThreePoints();
        Path bin =
                fakeSlurm(
                        "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1",
                        "exit 1");
        String out = ls(bin);
        assertTrue(line(out, "s/a").endsWith("slurm 12_0 not in the queue"), out);
    }

    @Test
    void withoutSqueueLsWarnsOnceAndStillLists() throws Exception {
        sweepOfThreePoints();
        Path bin = Files.createDirectories(tmp.resolve("empty-bin"));
        String out = ls(bin);
        assertTrue(out.contains("squeue cannot be asked here"), out);
        assertTrue(line(out, "s/a").endsWith("idle"), out);
    }

    /** A sweep directory {@code runs/s} of three run directories, submitted as array job 12. */
    private Path sweepOfThreePoints() throws Exception {
        Path sweep = Files.createDirectories(tmp.resolve("runs/s"));
        Files.writeString(sweep.resolve("sweep.json"), "{}");
        for (String c : List.of("a", "b", "c")) {
            Files.writeString(
                    Files.createDirectories(sweep.resolve(c)).resolve("config.resolved.yaml"),
                    "policies: [replace]\nseeds: [0]\ngenerations: 1\n");
        }
        SlurmJobs.record(
                sweep,
                "12",
                new SlurmJobs.Script(sweep.resolve("sweep.sbatch"), List.of("a", "b", "c"), null));
        return sweep;
    }

    private Path fakeSlurm(String squeue, String sacct) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        script(bin.resolve("squeue"), squeue);
        script(bin.resolve("sacct"), sacct);
        return bin;
    }

    private static void script(Path p, String body) throws Exception {
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** {@code ouro ls runs} in a child JVM whose PATH is {@code bin} then /bin and /usr/bin. */
    private String ls(Path bin) throws Exception {
        ProcessBuilder pb = ChildJvm.ouro(null, List.of("ls", tmp.resolve("runs").toString()));
        pb.environment().put("PATH", bin + ":/usr/bin:/bin");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static String line(String out, String name) {
        return out.lines()
                .filter(l -> l.startsWith(name + " "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line for " + name + "\n" + out))
                .strip();
    }
}
