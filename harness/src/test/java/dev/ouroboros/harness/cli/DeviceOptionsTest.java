package dev.ouroboros.harness.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --device} / {@code --precision} and the {@code device} key through the CLI: a bad word, or
 * CUDA on this GPU-less box, is one line and exit 2; {@code auto} (the default) runs on the CPU.
 */
class DeviceOptionsTest {
    static final Path SMOKE = Path.of("../configs/smoke.yaml").toAbsolutePath().normalize();

    static void assertOneLine(CliRun r, String says) {
        assertEquals(2, r.exitCode(), r.out() + r.err());
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("ouro: "), r.err());
        assertTrue(lines.get(0).contains(says), r.err());
    }

    @Test
    void evalRefusesABadDeviceAndCudaWithoutAGpuAndDefaultsToAuto() {
        assertOneLine(
                EvalCommandTest.eval("--device", "tpu"),
                "device 'tpu': expected auto, cpu, cuda or cuda:N");
        assertOneLine(EvalCommandTest.eval("--device", "cuda:1"), "CUDA was requested");
        CliRun ok = EvalCommandTest.eval("--max-blocks", "1", "--json");
        assertEquals(0, ok.exitCode(), ok.err());
        assertTrue(ok.out().contains("\"device\":\"cpu (PyTorch 2.7.1)\""), ok.out());
    }

    @Test
    void trainBenchRefusesBadPrecisionAndDevice() {
        assertOneLine(
                CliRun.of("train", "bench", "--precision", "fp8", "--python", "none"),
                "--precision must be auto, fp32, fp16 or bf16, got 'fp8'");
        assertOneLine(
                CliRun.of("train", "bench", "--device", "cuda", "--python", "none"),
                "device 'cuda': CUDA was requested but DJL sees 0 GPU(s)");
    }

    @Test
    void runWithCudaOnThisBoxStopsBeforeAnything(@TempDir Path tmp) {
        assertOneLine(
                CliRun.of("run", SMOKE.toString(), "out=" + tmp, "device=cuda"),
                "CUDA was requested");
        assertFalse(Files.exists(tmp.resolve("smoke/manifest.json")));
        assertOneLine(
                CliRun.of("run", SMOKE.toString(), "out=" + tmp, "device=gpu:x"),
                "device 'gpu:x': expected auto, cpu, cuda or cuda:N");
    }
}
