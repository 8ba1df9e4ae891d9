package dev.ouroboros.harness.run;

import ai.djl.Device;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.decode.GenerationMemory;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * What {@code generate.batch_size: auto} resolves to on a device: on a GPU, as many prompts as
 * {@link GenerationMemory#USABLE} of its free memory holds by {@link GenerationMemory}'s estimate
 * (at most the number of prompts); on the CPU {@link BatchSize#CPU_AUTO}. The batch size decides
 * the sampling streams (one per batch) and the rounding of batched kernels, so a run records what
 * it resolved to and a resume reuses it ({@link Study}).
 *
 * @param prompts the batch size
 * @param line how it was chosen, for the log
 */
public record GenerateBatch(int prompts, String line) {

    /**
     * Resolves {@code g.batch_size} for {@code shape} on {@code device}, for {@code count} prompts
     * of {@code promptLen} tokens; {@code freeBytes} asks the device (-1: cannot say).
     */
    public static GenerateBatch resolve(
            RunConfig.Generate g,
            OptConfig shape,
            int promptLen,
            int count,
            Device device,
            ToLongFunction<Device> freeBytes) {
        if (!g.batchSize().isAuto()) {
            int n = g.batchSize().fixed();
            return new GenerateBatch(n, "generate.batch_size: " + n);
        }
        long free = device.isGpu() ? freeBytes.applyAsLong(device) : -1;
        if (free < 0) {
            return new GenerateBatch(
                    BatchSize.CPU_AUTO,
                    "generate.batch_size: auto -> "
                            + BatchSize.CPU_AUTO
                            + " ("
                            + (device.isGpu() ? device + ": free memory unknown" : "cpu")
                            + ")");
        }
        long per =
                GenerationMemory.bytesPerPrompt(
                        shape, g.rowsPerPrompt(), promptLen, g.newTokens(), g.fixedPrecision());
        int n = GenerationMemory.batchFor(free, per, Math.max(1, count));
        return new GenerateBatch(
                n,
                String.format(
                        Locale.ROOT,
                        "generate.batch_size: auto -> %d (%s: %.1f GiB free, %.0f MiB per prompt"
                                + " of %d rows, %.0f%% of free planned%s)",
                        n,
                        device,
                        free / 1073741824.0,
                        per / 1048576.0,
                        g.rowsPerPrompt(),
                        100 * GenerationMemory.USABLE,
                        n == count ? "; every prompt in one batch" : ""));
    }
}
