package dev.ouroboros.harness.train;

/**
 * Training stopped because the loss, the gradient norm, a weight or the validation loss became NaN
 * or infinite. The step that diverged changed no parameter and wrote no checkpoint; the last good
 * checkpoint (if any) is left in place. A user's problem (most often the learning rate), not a bug:
 * the CLI prints the one line and exits 2.
 */
public final class TrainingDivergedException extends dev.ouroboros.models.UserInputException {
    private static final long serialVersionUID = 1L;

    private final long step;
    private final long lastCheckpointStep;

    /**
     * @param badWeight the first parameter that already held NaN or an infinity when the step
     *     began, or null when every weight was finite. The weights a run starts or resumes from are
     *     checked finite (at load, and at a resume from a checkpoint), so a non-finite weight here
     *     was written by an earlier update whose own loss and gradients were still finite
     */
    public TrainingDivergedException(
            long step,
            String what,
            double value,
            long lastCheckpointStep,
            String checkpointDir,
            String badWeight) {
        this(step, what, value, lastCheckpointStep, checkpointDir, badWeight, null);
    }

    /**
     * @param largestWeight with finite weights, the parameter of the largest magnitude ("NAME (|w|
     *     max X)"), named in the advice; or null
     */
    public TrainingDivergedException(
            long step,
            String what,
            double value,
            long lastCheckpointStep,
            String checkpointDir,
            String badWeight,
            String largestWeight) {
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
                                        + ", though the model the run started or resumed from was"
                                        + " checked finite: an earlier update overflowed them,"
                                        + " most often a learning rate far too high (lower"
                                        + " optim.lr, raise schedule.warmup_steps))"
                                : " (the weights were finite before this step"
                                        + (largestWeight != null
                                                ? ", the largest in " + largestWeight
                                                : "")
                                        + ": most often the"
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
