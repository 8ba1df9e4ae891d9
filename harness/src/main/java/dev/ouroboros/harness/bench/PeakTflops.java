package dev.ouroboros.harness.bench;

import dev.ouroboros.models.Precision;
import dev.ouroboros.models.UserInputException;
import java.util.List;
import java.util.Locale;

/**
 * The peak dense throughput MFU is measured against: {@code --peak-tflops X}, or a small table of
 * datasheet figures looked up by GPU name (dense, no sparsity; fp32 is the CUDA-core figure, not
 * TF32, since neither libtorch nor torch uses TF32 for fp32 matmuls by default).
 *
 * @param tflops 10¹² FLOP/s
 * @param source where the figure came from, for the output: {@code --peak-tflops} or {@code NVIDIA
 *     H200 bf16 (table)}
 */
public record PeakTflops(double tflops, String source) {
    /** One row of the table: a GPU whose name contains {@code match}. */
    record Gpu(String match, double halfTflops, double fp32Tflops) {}

    /** First match wins, so the PCIe H100 comes before the SXM one. */
    static final List<Gpu> TABLE =
            List.of(
                    new Gpu("H100 PCIe", 756, 51),
                    new Gpu("H100", 989, 67), // SXM
                    new Gpu("H200", 989, 67),
                    new Gpu("A100", 312, 19.5),
                    new Gpu("L4", 121, 30.3));

    /** {@code --peak-tflops}: positive and finite, else a user error. */
    public static PeakTflops given(double tflops) {
        if (!(tflops > 0) || Double.isInfinite(tflops)) {
            throw new UserInputException("--peak-tflops must be a positive number, got " + tflops);
        }
        return new PeakTflops(tflops, "--peak-tflops");
    }

    /**
     * The table's figure for {@code gpuName} computing in {@code precision} (bf16 and fp16 share
     * the tensor-core figure), or null when the name is unknown or null.
     */
    public static PeakTflops lookup(String gpuName, Precision precision) {
        if (gpuName == null) {
            return null;
        }
        String up = gpuName.toUpperCase(Locale.ROOT);
        for (Gpu g : TABLE) {
            if (up.contains(g.match().toUpperCase(Locale.ROOT))) {
                boolean half = precision.isHalf();
                return new PeakTflops(
                        half ? g.halfTflops() : g.fp32Tflops(),
                        gpuName + " " + (half ? "bf16/fp16" : "fp32") + " (table)");
            }
        }
        return null;
    }

    /** The peak a bench measures MFU against, and the GPU name it was looked up by (or null). */
    public record Found(PeakTflops peak, String gpu) {}

    /**
     * {@code given} when there is one, else the table's figure for GPU {@code deviceId}'s name
     * ({@code nvidia-smi}, else {@code peerDeviceName} as the peer script reported it; either may
     * be null).
     */
    public static Found find(
            PeakTflops given, int deviceId, String peerDeviceName, Precision precision) {
        if (given != null) {
            return new Found(given, null);
        }
        String gpu = GpuName.of(deviceId);
        if (gpu == null) {
            gpu = peerDeviceName;
        }
        return new Found(lookup(gpu, precision), gpu);
    }

    /** {@code 67 TFLOPS, NVIDIA H200 fp32 (table)}. */
    public String describe() {
        return String.format(Locale.ROOT, "%.4g TFLOPS, %s", tflops, source);
    }
}
