package dev.ouroboros.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** {@code device: auto} and {@code precision: auto} on made-up machines: no GPU needed. */
class PlacementTest {
    private static final String ENGINE = "PyTorch 2.7.1";
    private static final Supplier<Accelerators> CPU_BOX = () -> Accelerators.none(ENGINE);
    private static final Supplier<Accelerators> H100_X2 =
            () -> new Accelerators(ENGINE, 2, true, List.of("90", "90"));
    private static final Supplier<Accelerators> V100 =
            () -> new Accelerators(ENGINE, 1, true, List.of("70"));
    private static final Supplier<Accelerators> GPU_CPU_LIBTORCH =
            () -> new Accelerators(ENGINE, 4, false, List.of("80", "80", "80", "80"));
    private static final Supplier<Accelerators> NEVER =
            () -> {
                throw new AssertionError("the engine was asked although nothing was auto or cuda");
            };

    @Test
    void autoWithoutAGpuIsCpuAndFp32() {
        Placement p = Placement.resolve("auto", PrecisionChoice.AUTO, CPU_BOX);
        assertEquals(Device.cpu(), p.device());
        assertEquals(Precision.FP32, p.precision());
        assertEquals("device: auto -> cpu (no GPU visible to PyTorch 2.7.1)", p.deviceLine());
        assertEquals("precision: auto -> fp32 (CPU)", p.precisionLine());
        assertFalse(p.line().contains("\n"));
    }

    @Test
    void autoWithAnAmpereOrNewerGpuIsGpu0AndBf16() {
        Placement p = Placement.resolve("auto", PrecisionChoice.AUTO, H100_X2);
        assertEquals(Device.gpu(0), p.device());
        assertEquals(Precision.BF16, p.precision());
        assertEquals(
                "device: auto -> gpu:0 (1st of 2 GPU(s), compute capability 9.0, PyTorch 2.7.1)",
                p.deviceLine());
        assertEquals("precision: auto -> bf16 (compute capability 9.0 >= 8.0)", p.precisionLine());
        Placement second = Placement.resolve("cuda:1", PrecisionChoice.AUTO, H100_X2);
        assertEquals(Device.gpu(1), second.device());
        assertEquals(Precision.BF16, second.precision());
    }

    @Test
    void autoOnAPreAmpereGpuStaysFp32() {
        Placement p = Placement.resolve("auto", PrecisionChoice.AUTO, V100);
        assertEquals(Device.gpu(0), p.device());
        assertEquals(Precision.FP32, p.precision());
        assertTrue(p.precisionLine().contains("7.0 < 8.0"), p.precisionLine());
    }

    @Test
    void gpusWithACpuLibtorchAreNotUsableAndAutoSaysWhy() {
        Placement p = Placement.resolve("auto", PrecisionChoice.AUTO, GPU_CPU_LIBTORCH);
        assertEquals(Device.cpu(), p.device());
        assertEquals(Precision.FP32, p.precision());
        assertTrue(p.deviceLine().contains("CPU build"), p.deviceLine());
        UserInputException e =
                assertThrows(
                        UserInputException.class,
                        () -> Placement.resolve("cuda", PrecisionChoice.AUTO, GPU_CPU_LIBTORCH));
        assertTrue(e.getMessage().contains("CPU build"), e.getMessage());
    }

    @Test
    void explicitCudaWithoutAGpuIsAnErrorNotACpuFallback() {
        for (String spec : List.of("cuda", "cuda:0", "gpu")) {
            UserInputException e =
                    assertThrows(
                            UserInputException.class,
                            () -> Placement.resolve(spec, PrecisionChoice.FP32, CPU_BOX));
            assertTrue(e.getMessage().startsWith("device '" + spec + "': CUDA was requested"));
            assertFalse(e.getMessage().contains("\n"));
        }
        assertThrows(
                UserInputException.class,
                () -> Placement.resolve("cuda:2", PrecisionChoice.AUTO, H100_X2));
    }

    @Test
    void badDeviceWordsNameTheSpec() {
        for (String spec : List.of("tpu", "cuda:x", "cuda:-1", "")) {
            UserInputException e =
                    assertThrows(
                            UserInputException.class,
                            () -> Placement.resolve(spec, PrecisionChoice.AUTO, NEVER));
            assertEquals(
                    "device '" + spec + "': expected auto, cpu, cuda or cuda:N", e.getMessage());
        }
        UserInputException e =
                assertThrows(
                        UserInputException.class,
                        () -> PrecisionChoice.parse("--precision", "fp8"));
        assertEquals("--precision must be auto, fp32, fp16 or bf16, got 'fp8'", e.getMessage());
    }

    @Test
    void explicitCpuAndFixedPrecisionNeverAskTheEngine() {
        Placement p = Placement.resolve("cpu", PrecisionChoice.AUTO, NEVER);
        assertEquals(Precision.FP32, p.precision());
        assertEquals("device: cpu; precision: auto -> fp32 (CPU)", p.line());
        assertEquals(
                Precision.BF16, Placement.resolve("cpu", PrecisionChoice.BF16, NEVER).precision());
    }

    @Test
    void aRecordedPrecisionWinsOverAuto() {
        // a run begun on a CPU (fp32) and resumed on an H100 keeps fp32 ...
        Placement p =
                Placement.resolve("auto", PrecisionChoice.AUTO, Precision.FP32, "runs/x", H100_X2);
        assertEquals(Device.gpu(0), p.device());
        assertEquals(Precision.FP32, p.precision());
        assertTrue(p.precisionLine().contains("recorded in runs/x"), p.precisionLine());
        assertTrue(p.precisionLine().contains("would pick bf16"), p.precisionLine());
        // ... but an explicit precision is what the user asked for (the run's hash then decides)
        assertEquals(
                Precision.BF16,
                Placement.resolve("auto", PrecisionChoice.BF16, Precision.FP32, "runs/x", H100_X2)
                        .precision());
    }

    @Test
    void capabilitiesAreReadAsDjlSpellsThem() {
        Accelerators a = new Accelerators(ENGINE, 3, true, List.of("86", "75", "120"));
        assertTrue(a.bf16(0));
        assertFalse(a.bf16(1));
        assertTrue(a.bf16(2));
        assertEquals("12.0", a.capability(2));
        assertEquals("?", a.capability(7));
        assertFalse(a.bf16(7));
    }
}
