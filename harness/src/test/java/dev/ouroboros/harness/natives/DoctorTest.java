package dev.ouroboros.harness.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.ChildJvm;
import dev.ouroboros.harness.CliRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ouro doctor} on this CPU box, and its diagnoses on injected faults. */
class DoctorTest {
    @Test
    void onThisCpuBoxDoctorSaysCpuListsNoGpuAndExits0() {
        CliRun r = CliRun.of("doctor");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("engine     PyTorch 2.7.1 (DJL 0.35.1"), r.out());
        assertTrue(r.out().contains("libtorch   2.7.1, flavor cpu, from "), r.out());
        assertTrue(r.out().contains("natives    pytorch-native cpu 2.7.1"), r.out());
        assertTrue(r.out().contains("GPUs       none"), r.out());
        assertTrue(r.out().contains("device: auto -> cpu (no GPU visible to PyTorch 2.7.1)"));
        assertTrue(r.out().contains("ok         nothing wrong found"), r.out());
        assertFalse(r.out().contains("✗"), r.out());
    }

    @Test
    void cudaAskedForOnThisBoxIsDiagnosedWithTheFix() {
        NativeFacts faulty = NativeFacts.probe().withSetting("PYTORCH_FLAVOR", "cu128");
        List<String> p = Diagnosis.problems(faulty);
        assertEquals(2, p.size(), p.toString());
        assertTrue(p.get(0).startsWith("PYTORCH_FLAVOR=cu128 asks for CUDA, but a CPU native jar"));
        assertTrue(p.get(0).contains("OURO_FLAVOR=cu128"), p.get(0));
        assertTrue(p.get(1).contains("CUDA's runtime sees no GPU"), p.get(1));
        p.forEach(line -> assertFalse(line.contains("\n"), line));
    }

    @Test
    void versionAndLibraryPathFaultsAreDiagnosed(@TempDir Path tmp) throws Exception {
        NativeFacts ok = NativeFacts.probe();
        assertEquals(List.of(), Diagnosis.problems(ok));
        assertTrue(
                Diagnosis.problems(ok.withSetting("PYTORCH_VERSION", "2.5.1")).stream()
                        .anyMatch(
                                l -> l.startsWith("PYTORCH_VERSION=2.5.1: DJL 0.35.1 has a JNI")));
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertTrue(
                Diagnosis.problems(ok.withSetting("PYTORCH_LIBRARY_PATH", empty.toString()))
                        .stream()
                        .anyMatch(
                                l ->
                                        l.contains(
                                                "holds no libtorch.so, so DJL silently ignores it")));
        // a box's own libtorch zip of the wrong version, and no flavor given
        Path lib = Files.createDirectories(tmp.resolve("libtorch/lib"));
        Files.writeString(lib.resolve("libtorch.so"), "");
        Files.writeString(tmp.resolve("libtorch/build-version"), "2.5.1+cu121\n");
        List<String> p =
                Diagnosis.problems(
                        ok.withSetting("PYTORCH_LIBRARY_PATH", lib.toString())
                                .withSetting("PYTORCH_FLAVOR", null));
        assertTrue(p.stream().anyMatch(l -> l.contains("without PYTORCH_FLAVOR")), p.toString());
        assertTrue(p.stream().anyMatch(l -> l.contains("says 2.5.1+cu121")), p.toString());
        NativeFacts gpusButCpuLibtorch =
                new NativeFacts(
                        ok.djlVersion(),
                        ok.expectedLibtorch(),
                        ok.engine(),
                        null,
                        "2.7.1",
                        ok.libtorchDir(),
                        "cpu",
                        false,
                        ok.jniVersion(),
                        ok.classpathNatives(),
                        2,
                        "128",
                        List.of(
                                new NativeFacts.Gpu(0, "90", 80L << 30, 1L << 30),
                                new NativeFacts.Gpu(1, "90", 80L << 30, 0)),
                        ok.cacheDir(),
                        ok.cached(),
                        Map.of());
        assertTrue(Diagnosis.problems(gpusButCpuLibtorch).get(0).startsWith("2 GPU(s) in the box"));
        String report =
                String.join(
                        "\n",
                        dev.ouroboros.harness.cli.DoctorTestAccess.report(gpusButCpuLibtorch));
        assertTrue(
                report.contains("GPU 0      compute capability 9.0, 80.0 GiB (1.0 GiB used)"),
                report);
        assertTrue(report.contains("CUDA       12.8 runtime"), report);
        assertTrue(report.contains("device: auto -> cpu (2 GPU(s) in the box"), report);
    }

    /** The real thing: a JVM whose environment asks for CUDA on this CPU box. */
    @Test
    void doctorExits2WhenTheEnvironmentAsksForCudaWithoutAGpu() throws Exception {
        ProcessBuilder pb = ChildJvm.ouro(null, List.of("doctor"));
        pb.environment().put("PYTORCH_FLAVOR", "cu128");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("settings   PYTORCH_FLAVOR=cu128"), out);
        assertTrue(out.contains("✗ PYTORCH_FLAVOR=cu128 asks for CUDA, but a CPU native jar"), out);
        assertTrue(out.contains("libtorch   2.7.1, flavor cpu"), out); // the CPU jar won
    }
}
