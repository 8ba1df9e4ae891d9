package dev.ouroboros.harness.config;

/**
 * The {@code schedule} section: the learning-rate schedule ({@link
 * dev.ouroboros.harness.train.LrSchedule} computes it).
 *
 * @param etaMin cosine floor; must be below {@code optim.lr} ({@link Training} checks)
 * @param cycle cosine only: one cosine over the run, or restarted every epoch (Shumailov et al.)
 */
public record Schedule(Kind kind, long warmupSteps, double etaMin, Cycle cycle) {
    public enum Kind {
        CONSTANT,
        LINEAR,
        COSINE
    }

    public enum Cycle {
        RUN,
        EPOCH
    }

    public Schedule {
        Checks.nonNegative("schedule.warmup_steps", warmupSteps);
        Checks.nonNegative("schedule.eta_min", etaMin);
    }
}
