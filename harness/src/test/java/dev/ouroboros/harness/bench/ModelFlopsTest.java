package dev.ouroboros.harness.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ouroboros.models.Precision;
import dev.ouroboros.models.UserInputException;
import org.junit.jupiter.api.Test;

/** MFU's formula on hand-computed examples; the peak table. */
class ModelFlopsTest {
    @Test
    void utilisationOnHandComputedExamples() {
        long n = 125_239_296L;
        // generation: 2 · 125,239,296 · 100 new tokens/s = 2.50478592e10 FLOP/s; / 67e12 =
        // 3.73849e-4
        assertEquals(2.50478592e10, ModelFlops.GENERATE.flops(n, 100), 1);
        assertEquals(3.738486e-4, ModelFlops.GENERATE.utilisation(n, 100, 67), 1e-9);
        // training: 6 · 125,239,296 · 1000 tokens/s = 7.51435776e11 FLOP/s; / 989e12 = 7.59793e-4
        assertEquals(7.51435776e11, ModelFlops.TRAIN.flops(n, 1000), 1);
        assertEquals(7.597935e-4, ModelFlops.TRAIN.utilisation(n, 1000, 989), 1e-9);
        assertEquals("2·N·new tokens/s", ModelFlops.GENERATE.formula());
        assertEquals("6·N·tokens/s", ModelFlops.TRAIN.formula());
    }

    @Test
    void theMfuLineSaysTheFormulaThePeakAndN() {
        long n = 125_239_296L;
        assertEquals(
                "mfu   : 2·N·new tokens/s over 67.00 TFLOPS, NVIDIA H200 fp32 (table), N = 125.24M"
                        + " parameters: djl 0.0374%, hf 0.0187%",
                ModelFlops.GENERATE.line(
                        n, 100, 50, PeakTflops.lookup("NVIDIA H200", Precision.FP32), null, "hf"));
        assertEquals(
                "mfu   : n/a ('Tesla T4' not in the table; give --peak-tflops)",
                ModelFlops.TRAIN.line(n, 1, 1, null, "Tesla T4", "torch"));
        assertEquals(
                "mfu   : 6·N·tokens/s over 1.000 TFLOPS, --peak-tflops, N = 125.24M parameters: djl"
                        + " 75.1%",
                ModelFlops.TRAIN.line(n, 1000, Double.NaN, PeakTflops.given(1), null, "torch"));
    }

    @Test
    void peakTableByGpuNameAndPrecision() {
        assertEquals(67, PeakTflops.lookup("NVIDIA H200", Precision.FP32).tflops());
        assertEquals(989, PeakTflops.lookup("NVIDIA H200", Precision.BF16).tflops());
        assertEquals(989, PeakTflops.lookup("NVIDIA H100 80GB HBM3", Precision.FP16).tflops());
        assertEquals(756, PeakTflops.lookup("NVIDIA H100 PCIe", Precision.BF16).tflops());
        assertEquals(312, PeakTflops.lookup("NVIDIA A100-SXM4-80GB", Precision.BF16).tflops());
        assertEquals(19.5, PeakTflops.lookup("NVIDIA A100-SXM4-80GB", Precision.FP32).tflops());
        assertEquals(121, PeakTflops.lookup("NVIDIA L4", Precision.BF16).tflops());
        assertEquals(
                "NVIDIA L4 fp32 (table)", PeakTflops.lookup("NVIDIA L4", Precision.FP32).source());
        assertNull(PeakTflops.lookup("Tesla T4", Precision.FP32));
        assertNull(PeakTflops.lookup(null, Precision.FP32));
        assertEquals(2.5, PeakTflops.given(2.5).tflops());
        assertThrows(UserInputException.class, () -> PeakTflops.given(0));
        assertThrows(UserInputException.class, () -> PeakTflops.given(Double.NaN));
        assertThrows(UserInputException.class, () -> PeakTflops.given(Double.POSITIVE_INFINITY));
    }
}
