package dev.ouroboros.harness.config;

/**
 * The {@code log} section: a step line (and a {@code train.jsonl} row) every {@code everySteps}
 * steps; {@code peakTflops} > 0 adds model FLOPs utilisation on a GPU.
 */
public record LogSettings(long everySteps, double peakTflops) {
    public LogSettings {
        Checks.positive("log.every_steps", everySteps);
        Checks.nonNegative("log.peak_tflops", peakTflops);
    }
}
