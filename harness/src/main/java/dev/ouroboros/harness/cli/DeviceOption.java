package dev.ouroboros.harness.cli;

import ai.djl.Device;
import dev.ouroboros.models.Accelerators;
import dev.ouroboros.models.Placement;
import dev.ouroboros.models.PrecisionChoice;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** The {@code --device} option of eval, generate and the benches (a picocli mixin). */
public final class DeviceOption {
    @Option(
            names = "--device",
            defaultValue = "auto",
            description =
                    "auto (GPU 0 when PyTorch sees one, else the CPU) | cpu | cuda | cuda:N"
                            + " (default: ${DEFAULT-VALUE}).")
    String value;

    /** What {@code --device} resolves to for work in {@code precision}; bad values exit 2. */
    Placement resolve(PrecisionChoice precision) {
        return Placement.resolve(value, precision, Accelerators::djl);
    }

    /** The device for fp32 work (eval, generate), logged as one line under {@code caller}. */
    Device fp32(Class<?> caller) {
        Placement where = resolve(PrecisionChoice.FP32);
        LoggerFactory.getLogger(caller).info(where.deviceLine());
        return where.device();
    }
}
