package dev.ouroboros.harness.config;

/**
 * The {@code checkpoint} section: a resumable checkpoint every {@code everySteps} optimizer steps
 * and at the end of every epoch; {@code resume} continues from the latest one when it exists.
 */
public record CheckpointPolicy(long everySteps, boolean resume) {
    public CheckpointPolicy {
        Checks.positive("checkpoint.every_steps", everySteps);
    }
}
