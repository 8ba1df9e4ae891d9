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

    public TrainingDivergedException(
            long step, String what, double value, long lastCheckpointStep, String checkpointDir) {
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
                        + " (lower optim.lr, raise schedule.warmup_steps or check the data)");
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
