package dev.ouroboros.models;

import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.util.cuda.CudaUtils;
import java.util.ArrayList;
import java.util.List;

/**
 * What the engine can compute on, as {@link Placement} needs it: the GPUs in the box (as CUDA's
 * runtime counts them), whether the loaded libtorch has CUDA kernels, and each GPU's compute
 * capability ({@code "80"} for 8.0, as DJL spells it). {@link #djl()} asks DJL; tests build one by
 * hand, so both branches of {@code auto} run on a CPU machine.
 *
 * @param engine the engine and its version for messages, e.g. {@code PyTorch 2.7.1}
 * @param gpusInBox GPUs CUDA's runtime sees, whatever libtorch was loaded
 * @param cudaBuild whether the loaded libtorch was built with CUDA
 * @param capabilities compute capability of GPU 0, 1, … (empty when {@code gpusInBox} is 0)
 */
public record Accelerators(
        String engine, int gpusInBox, boolean cudaBuild, List<String> capabilities) {

    private static Accelerators probed;

    public Accelerators {
        capabilities = List.copyOf(capabilities);
    }

    /** No GPU: what a CPU box reports. */
    public static Accelerators none(String engine) {
        return new Accelerators(engine, 0, false, List.of());
    }

    /** Asks DJL once per process (loads the engine): the GPU count does not change while we run. */
    public static synchronized Accelerators djl() {
        if (probed == null) {
            Engine e = Engine.getInstance();
            int gpus = CudaUtils.getGpuCount();
            List<String> cc = new ArrayList<>();
            for (int i = 0; i < gpus; i++) {
                cc.add(CudaUtils.getComputeCapability(i));
            }
            probed =
                    new Accelerators(
                            e.getEngineName() + " " + e.getVersion(),
                            gpus,
                            e.hasCapability(StandardCapabilities.CUDA),
                            cc);
        }
        return probed;
    }

    /**
     * Free memory of GPU {@code device} as CUDA's runtime reports it (total minus what every
     * process, this one's caching allocator included, holds), or -1 for the CPU or when CUDA cannot
     * say.
     */
    public static long freeBytes(ai.djl.Device device) {
        if (!device.isGpu()) {
            return -1;
        }
        try {
            java.lang.management.MemoryUsage u = CudaUtils.getGpuMemory(device);
            return u.getMax() - u.getCommitted();
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }

    /** GPUs the engine can run on: none when libtorch is a CPU build, whatever the box holds. */
    public int usableGpus() {
        return cudaBuild ? gpusInBox : 0;
    }

    /**
     * Whether GPU {@code id} computes in bf16 natively: compute capability 8.0 (Ampere) or newer.
     */
    public boolean bf16(int id) {
        try {
            return Integer.parseInt(capabilities.get(id)) >= 80;
        } catch (RuntimeException e) {
            return false; // unknown: fp32 is the safe answer
        }
    }

    /** Compute capability of GPU {@code id} as {@code major.minor} ({@code "?"} if unknown). */
    public String capability(int id) {
        if (id >= capabilities.size()) {
            return "?";
        }
        String cc = capabilities.get(id);
        return cc.length() < 2
                ? cc
                : cc.substring(0, cc.length() - 1) + "." + cc.charAt(cc.length() - 1);
    }

    /** Why {@link #usableGpus()} is 0, for "device: auto -> cpu (…)". */
    public String whyNoGpu() {
        if (gpusInBox > 0 && !cudaBuild) {
            return gpusInBox
                    + " GPU(s) in the box, but the loaded libtorch ("
                    + engine
                    + ") is a CPU build; build with OURO_FLAVOR=cu128 (ouro doctor)";
        }
        return "no GPU visible to " + engine;
    }
}
