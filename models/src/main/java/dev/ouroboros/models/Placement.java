package dev.ouroboros.models;

import ai.djl.Device;
import java.util.function.Supplier;

/**
 * Where and in what precision a command computes, resolved once on the machine that runs: {@code
 * device: auto} is GPU 0 when the engine can run on a GPU, else the CPU; {@code precision: auto} is
 * bf16 on a GPU of compute capability 8.0 or newer, fp32 elsewhere (older GPUs, the CPU). A
 * precision recorded by an earlier start of the same run wins over {@code auto}, so a run resumed
 * on another machine keeps computing as it began.
 *
 * @param device the device to compute on
 * @param precision the resolved training precision
 * @param deviceLine e.g. {@code device: auto -> cpu (no GPU visible to PyTorch 2.7.1)}
 * @param precisionLine e.g. {@code precision: auto -> fp32 (no GPU)}
 */
public record Placement(
        Device device, Precision precision, String deviceLine, String precisionLine) {

    /**
     * {@link #resolve(String, PrecisionChoice, Precision, String, Supplier)} with nothing recorded.
     */
    public static Placement resolve(
            String device, PrecisionChoice precision, Supplier<Accelerators> accelerators) {
        return resolve(device, precision, null, null, accelerators);
    }

    /**
     * Resolves {@code device} and {@code precision}; {@code recorded} (may be null) is the
     * precision an earlier start of this run resolved, {@code recordedIn} where it is written. Only
     * {@code auto} and {@code cuda} ask {@code accelerators} (which loads the engine).
     */
    public static Placement resolve(
            String device,
            PrecisionChoice precision,
            Precision recorded,
            String recordedIn,
            Supplier<Accelerators> accelerators) {
        Supplier<Accelerators> once = memo(accelerators);
        Device d = Devices.parse(device, once);
        String spec = device.trim().toLowerCase(java.util.Locale.ROOT);
        String deviceLine;
        String name = d.isGpu() ? "gpu:" + d.getDeviceId() : "cpu";
        if (d.isGpu()) {
            Accelerators a = once.get();
            deviceLine =
                    "device: "
                            + spec
                            + " -> "
                            + name
                            + " ("
                            + (spec.equals("auto") ? "1st of " + a.usableGpus() + " GPU(s), " : "")
                            + "compute capability "
                            + a.capability(d.getDeviceId())
                            + ", "
                            + a.engine()
                            + ")";
        } else if (spec.equals("auto")) {
            deviceLine = "device: auto -> cpu (" + once.get().whyNoGpu() + ")";
        } else {
            deviceLine = "device: cpu";
        }
        if (!precision.isAuto()) {
            return new Placement(
                    d, precision.fixed(), deviceLine, "precision: " + precision.label());
        }
        Precision picked;
        String why;
        if (!d.isGpu()) {
            picked = Precision.FP32;
            why = "CPU";
        } else if (once.get().bf16(d.getDeviceId())) {
            picked = Precision.BF16;
            why = "compute capability " + once.get().capability(d.getDeviceId()) + " >= 8.0";
        } else {
            picked = Precision.FP32;
            why =
                    "compute capability "
                            + once.get().capability(d.getDeviceId())
                            + " < 8.0: no native bf16";
        }
        if (recorded != null) {
            String line =
                    "precision: auto -> "
                            + recorded.label()
                            + " (recorded in "
                            + recordedIn
                            + (recorded == picked
                                    ? ")"
                                    : "; this machine alone would pick "
                                            + picked.label()
                                            + ", which needs a new run name)");
            return new Placement(d, recorded, deviceLine, line);
        }
        return new Placement(
                d, picked, deviceLine, "precision: auto -> " + picked.label() + " (" + why + ")");
    }

    /** Both lines as one, for a log. */
    public String line() {
        return deviceLine + "; " + precisionLine;
    }

    private static Supplier<Accelerators> memo(Supplier<Accelerators> s) {
        Accelerators[] held = new Accelerators[1];
        return () -> {
            if (held[0] == null) {
                held[0] = s.get();
            }
            return held[0];
        };
    }
}
