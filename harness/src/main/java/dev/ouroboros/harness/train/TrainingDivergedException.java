package dev.ouroboros.harness.train;

/**
 * Training stopped because the loss or the gradient norm became NaN or infinite. The step that
 * diverged changed no parameter and wrote no checkpoint; the last good checkpoint (if any) is left
 * in place.
 */
public final class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long step;
    private final long lastCheckpointStep;

    /**
     * @param badWeight the first parameter that already held NaN or an infinity when the step
     *     began, or null when every weight was finite: the advice differs (a corrupt starting
     *     checkpoint against a step that blew up)
     */
    public TrainingDivergedException(
            long step,
            String what,
            double value,
            long lastCheckpointStep,
            String checkpointDir,
            String badWeight) {
        super(
                "training diverged at step "
                        + step
                        + ": "
                        + what
                        + " is "
                        + value
                        + (lastCheckpointStep >= 0
                                ? "; last good checkpoint is step "
                                        + lastCheckpointStep
                                        + " in "
                                        + checkpointDir
                                : "; no checkpoint was written yet")
                        + (badWeight != null
                                ? " (the weights already held NaN/Inf before this step, first in "
                                        + badWeight
                                        + ": the model it started or resumed from is likely"
                                        + " corrupt (model.base, the previous generation or the"
                                        + " checkpoint); a lower optim.lr will not help)"
                                : " (the weights were finite before this step: most often the"
                                        + " learning rate is too high (lower optim.lr, raise"
                                        + " schedule.warmup_steps); also check the data, and under"
                                        + " fp16 try bf16)"));
        this.step = step;
        this.lastCheckpointStep = lastCheckpointStep;
    }

    /** The 1-based step whose loss or gradients were not finite. */
    public long step() {
        return step;
    }

    /** Step of the last checkpoint on disk, or -1. */
    public long lastCheckpointStep() {
        return lastCheckpointStep;
    }
}
