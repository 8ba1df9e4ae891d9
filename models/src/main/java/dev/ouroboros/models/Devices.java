package dev.ouroboros.models;

import ai.djl.Device;
import ai.djl.engine.Engine;

/**
 * Turns {@code cpu}, {@code cuda} or {@code cuda:N} into a DJL {@link Device}, refusing CUDA when
 * the engine has no GPU rather than falling back to the CPU (a run that silently trains on CPU
 * wastes a GPU booking).
 */
public final class Devices {
    private Devices() {}

    public static Device parse(String spec) {
        String s = spec.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        if (s.equals("cuda") || s.equals("gpu") || s.startsWith("cuda:") || s.startsWith("gpu:")) {
            int idx = 0;
            int colon = s.indexOf(':');
            if (colon >= 0) {
                try {
                    idx = Integer.parseInt(s.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new UserInputException(
                            "device '" + spec + "': expected cpu, cuda or cuda:N");
                }
            }
            Engine engine = Engine.getInstance();
            int gpus = engine.getGpuCount();
            if (idx >= gpus) {
                throw new UserInputException(
                        "device '"
                                + spec
                                + "': CUDA was requested but DJL sees "
                                + gpus
                                + " GPU(s) (engine "
                                + engine.getEngineName()
                                + " "
                                + engine.getVersion()
                                + "); build with the cuda profile and set"
                                + " PYTORCH_FLAVOR=cu128 (README, 'Running on CUDA')");
            }
            return Device.gpu(idx);
        }
        throw new UserInputException("device '" + spec + "': expected cpu, cuda or cuda:N");
    }

    /** One line describing what the engine actually runs on, for logs and manifests. */
    public static String describe(Device device) {
        Engine e = Engine.getInstance();
        String what = device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu";
        return what + " (" + e.getEngineName() + " " + e.getVersion() + ")";
    }
}
