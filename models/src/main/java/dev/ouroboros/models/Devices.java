package dev.ouroboros.models;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Turns {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N} into a DJL {@link Device}. {@code
 * auto} is GPU 0 when the engine can run on a GPU, else the CPU; an explicit {@code cuda} is
 * refused when the engine has no GPU rather than falling back to the CPU (a run that silently
 * trains on CPU wastes a GPU booking). {@link Placement} adds the precision and the log line.
 */
public final class Devices {
    private Devices() {}

    /** {@link #parse(String, Supplier)} asking DJL (only for {@code auto} and {@code cuda}). */
    public static Device parse(String spec) {
        return parse(spec, Accelerators::djl);
    }

    /** The device {@code spec} names on a machine with {@code accelerators}. */
    public static Device parse(String spec, Supplier<Accelerators> accelerators) {
        String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        if (s.equals("auto")) {
            return accelerators.get().usableGpus() > 0 ? Device.gpu(0) : Device.cpu();
        }
        if (s.equals("cuda") || s.equals("gpu") || s.startsWith("cuda:") || s.startsWith("gpu:")) {
            int idx = 0;
            int colon = s.indexOf(':');
            if (colon >= 0) {
                try {
                    idx = Integer.parseInt(s.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw bad(spec);
                }
                if (idx < 0) {
                    throw bad(spec);
                }
            }
            Accelerators a = accelerators.get();
            int gpus = a.usableGpus();
            if (idx >= gpus) {
                throw new UserInputException(
                        "device '"
                                + spec
                                + "': CUDA was requested but DJL sees "
                                + gpus
                                + " GPU(s) ("
                                + a.whyNoGpu()
                                + "); build with OURO_FLAVOR=cu128 and check `ouro doctor`"
                                + " (README, 'Running on CUDA'), or use device auto or cpu");
            }
            return Device.gpu(idx);
        }
        throw bad(spec);
    }

    /**
     * Refuses a {@code spec} that no machine could resolve ({@code tpu}, {@code cuda:x}) without
     * asking the engine: configs check it when they are loaded.
     */
    public static void checkSpelling(String spec) {
        parse(
                spec,
                () -> new Accelerators("any engine", Integer.MAX_VALUE, true, java.util.List.of()));
    }

    private static UserInputException bad(String spec) {
        return new UserInputException("device '" + spec + "': expected auto, cpu, cuda or cuda:N");
    }

    /** One line describing what the engine actually runs on, for logs and manifests. */
    public static String describe(Device device) {
        Engine e = Engine.getInstance();
        String what = device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu";
        return what + " (" + e.getEngineName() + " " + e.getVersion() + ")";
    }
}
