package dev.ouroboros.harness.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A GPU's name ({@code NVIDIA H200}) for {@link PeakTflops#lookup}: DJL 0.35.1 does not expose it,
 * so {@code nvidia-smi} is asked; null when it is missing or says nothing.
 */
public final class GpuName {
    private GpuName() {}

    /** The name of CUDA device {@code id} per {@code nvidia-smi}, or null. */
    public static String of(int id) {
        try {
            Process p =
                    new ProcessBuilder(
                                    List.of(
                                            "nvidia-smi",
                                            "--query-gpu=name",
                                            "--format=csv,noheader",
                                            "-i",
                                            Integer.toString(id)))
                            .redirectErrorStream(true)
                            .start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            String s =
                    new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.exitValue() == 0 && !s.isEmpty() && !s.contains("\n") ? s : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
