package dev.ouroboros.harness.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code ouro sweep --slurm} asks sbatch for, from the config's slurm.* keys, the flags and
 * the device; bad values are one line and exit 2; {@code --gpus} children see only their GPU.
 */
class SlurmOptionsTest {
    @TempDir Path tmp;

    private CliRun sweep(String... more) {
        List<String> a =
                new ArrayList<>(
                        List.of(
                                "sweep",
                                SweepTest.SMOKE,
                                "out=" + tmp,
                                "policy=replace",
                                "seed=0"));
        a.addAll(List.of(more));
        return CliRun.of(a.toArray(String[]::new));
    }

    private List<String> sbatchLines() throws IOException {
        return Files.readAllLines(tmp.resolve("smoke/sweep.sbatch")).stream()
                .filter(l -> l.startsWith("#SBATCH "))
                .map(l -> l.substring(8))
                .toList();
    }

    private String taskLine() throws IOException {
        return Files.readAllLines(tmp.resolve("smoke/sweep.sbatch")).stream()
                .filter(l -> l.contains(" dev.ouroboros.harness.Ouro run "))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void flagsAndACudaDeviceMakeTheOptions() throws IOException {
        CliRun r =
                sweep(
                        "device=cuda:3",
                        "--slurm",
                        "--partition",
                        "gpu",
                        "--account",
                        "lab",
                        "--time",
                        "2:00:00",
                        "--mem",
                        "32G",
                        "--throttle",
                        "2",
                        "--signal-seconds",
                        "120",
                        "--sbatch=--qos=high");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertEquals(
                List.of(
                        "--job-name=ouro-smoke",
                        "--array=0-0%2",
                        "--nodes=1",
                        "--ntasks=1",
                        "--cpus-per-task=8",
                        "--mem=32G",
                        "--gres=gpu:1",
                        "--time=2:00:00",
                        "--partition=gpu",
                        "--account=lab",
                        "--requeue",
                        "--signal=B:TERM@120",
                        "--open-mode=append",
                        "--output=" + tmp.toAbsolutePath() + "/smoke/slurm-%A_%a.out",
                        "--qos=high"),
                sbatchLines());
        // inside the allocation the task's GPU is device 0, whatever cuda:N the config named
        assertTrue(taskLine().endsWith(" device=cuda &"), taskLine());
        assertTrue(r.out().contains("1 GPU(s) (device cuda:3), 8 CPU(s), 32G"), r.out());
    }

    @Test
    void configKeysAndACpuDeviceMakeTheOptions() throws IOException {
        CliRun r =
                sweep(
                        "device=cpu",
                        "slurm.time=90",
                        "slurm.cpus_per_task=4",
                        "slurm.extra=[--constraint=avx2]",
                        "--slurm");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        List<String> o = sbatchLines();
        assertTrue(o.contains("--time=90") && o.contains("--cpus-per-task=4"), o.toString());
        assertTrue(o.contains("--mem=8G") && o.contains("--signal=B:TERM@300"), o.toString());
        assertTrue(o.contains("--constraint=avx2"), o.toString());
        assertFalse(o.stream().anyMatch(x -> x.startsWith("--gres")), o.toString());
        assertFalse(o.stream().anyMatch(x -> x.startsWith("--partition")), o.toString());
        assertTrue(taskLine().endsWith(" device=cpu &"), taskLine());
    }

    @Test
    void badSlurmValuesAreOneLineAndExit2() {
        String[][] cases = {
            {"device=cuda", "--slurm", "--gpus-per-task", "0"},
            {"slurm.time=soon", "--slurm"},
            {"slurm.mem=lots", "--slurm"},
            {"slurm.time=10", "slurm.signal_seconds=600", "--slurm"},
            {"slurm.partition=a,b", "--slurm"},
            {"slurm.extra=[qos]", "--slurm"},
            {"--submit"},
        };
        String[] culprits = {
            "needs a GPU but slurm.gpus_per_task is 0",
            "slurm.time 'soon'",
            "slurm.mem 'lots'",
            "slurm.signal_seconds 600 is not shorter than slurm.time 10",
            "slurm.* is the same for every task",
            "slurm.extra 'qos'",
            "--submit goes with --slurm",
        };
        for (int i = 0; i < cases.length; i++) {
            CliRun r = sweep(cases[i]);
            assertEquals(2, r.exitCode(), String.join(" ", cases[i]) + "\n" + r.out() + r.err());
            assertTrue(r.err().contains(culprits[i]), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertFalse(r.err().contains("Exception"), r.err());
        }
    }

    @Test
    void autoGpusFollowTheDeviceAndTheCluster() {
        SlurmOptions o =
                new SlurmOptions(null, null, "1:00:00", "auto", "auto", "auto", 0, 60, List.of());
        assertEquals(0, SlurmResources.resolve(o, "cpu", p -> null).gpus());
        assertEquals(1, SlurmResources.resolve(o, "cuda:1", p -> List.of("(null)")).gpus());
        assertEquals(0, SlurmResources.resolve(o, "auto", p -> List.of("(null)")).gpus());
        SlurmResources gpu = SlurmResources.resolve(o, "auto", p -> List.of("gpu:a100:4(S:0)"));
        assertEquals(
                List.of(1, 8, "64G", "cuda"),
                List.of(gpu.gpus(), gpu.cpus(), gpu.mem(), gpu.device()));
        SlurmResources unknown = SlurmResources.resolve(o, "auto", p -> null);
        assertEquals(1, unknown.gpus());
        assertTrue(unknown.why().contains("no sinfo"), unknown.why());
        SlurmResources cpu = SlurmResources.resolve(o, "auto", p -> List.of());
        assertEquals(
                List.of(0, 2, "8G", "auto"),
                List.of(cpu.gpus(), cpu.cpus(), cpu.mem(), cpu.device()));
    }

    @Test
    void slurmTimeLimitsInSeconds() {
        assertEquals(5400, SlurmOptions.seconds("90"));
        assertEquals(90, SlurmOptions.seconds("1:30"));
        assertEquals(14400, SlurmOptions.seconds("4:00:00"));
        assertEquals(172800, SlurmOptions.seconds("2-00:00:00"));
        assertEquals(129600, SlurmOptions.seconds("1-12"));
        assertEquals(-1, SlurmOptions.seconds("4h"));
    }

    /** --gpus: the child sees only GPU N (CUDA_VISIBLE_DEVICES) and uses it as cuda:0. */
    @Test
    void gpuChildrenSeeOnlyTheirGpu() {
        Sweep s =
                Sweep.plan(
                        Path.of(SweepTest.SMOKE),
                        List.of("out=" + tmp, "policy=replace", "seed=0,1"));
        Sweep.Child c = s.gpuChild(s.points().get(1), 3);
        assertEquals(java.util.Map.of("CUDA_VISIBLE_DEVICES", "3"), c.env());
        List<String> cmd = c.command();
        assertEquals("device=cuda:0", cmd.get(cmd.size() - 1));
        assertEquals(1, cmd.stream().filter(a -> a.startsWith("device=")).count(), cmd.toString());
        assertTrue(cmd.contains("name=policy=replace,seed=1"), cmd.toString());
        assertFalse(cmd.stream().anyMatch(a -> a.contains("cuda:3")), cmd.toString());
    }
}
