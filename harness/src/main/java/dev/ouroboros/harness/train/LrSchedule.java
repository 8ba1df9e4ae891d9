package dev.ouroboros.harness.train;

import dev.ouroboros.harness.config.Schedule;

/**
 * Learning rate as a pure function of the optimizer step, so that a resumed run recomputes it
 * exactly.
 *
 * <p>{@code step} is the 0-based index of the optimizer step about to run (the first update uses
 * {@code lr(0)}), which is the convention of {@code torch.optim.lr_scheduler.LambdaLR} with {@code
 * scheduler.step()} after every {@code optimizer.step()} (Hugging Face's schedules). With {@code W}
 * warmup steps, {@code N} total steps, peak {@code lr} and floor {@code eta_min}:
 *
 * <ul>
 *   <li>warmup (every kind, {@code step < W}): {@code lr · step / W} (so the first step has lr 0
 *       when W > 0, as {@code get_*_schedule_with_warmup});
 *   <li>{@code constant}: {@code lr};
 *   <li>{@code linear}: {@code eta_min + (lr − eta_min) · max(0, (N − step) / (N − W))} (HF {@code
 *       get_linear_schedule_with_warmup} when eta_min = 0);
 *   <li>{@code cosine}, cycle {@code run}: {@code eta_min + (lr − eta_min) · (1 + cos(π · (step −
 *       W) / (N − W))) / 2} (HF {@code get_cosine_schedule_with_warmup} when eta_min = 0);
 *   <li>{@code cosine}, cycle {@code epoch} (the Shumailov setting, eta_min 1e-6): with {@code E}
 *       steps per epoch and {@code i = step mod E}, {@code eta_min + (lr − eta_min) · (1 + cos(π ·
 *       i / E)) / 2} — exactly {@code torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=E,
 *       eta_min)} created afresh each epoch and stepped after every optimizer step; warmup applies
 *       to the first W steps of the run only.
 * </ul>
 */
public final class LrSchedule {
    private final Schedule.Kind kind;
    private final double lr;
    private final double etaMin;
    private final long warmup;
    private final long total;
    private final long stepsPerEpoch;
    private final boolean perEpoch;

    public LrSchedule(
            Schedule.Kind kind,
            double lr,
            double etaMin,
            long warmup,
            long total,
            long stepsPerEpoch,
            boolean perEpoch) {
        if (total <= 0 || stepsPerEpoch <= 0) {
            throw new IllegalArgumentException("total and stepsPerEpoch must be positive");
        }
        this.kind = kind;
        this.lr = lr;
        this.etaMin = etaMin;
        this.warmup = warmup;
        this.total = total;
        this.stepsPerEpoch = stepsPerEpoch;
        this.perEpoch = perEpoch;
    }

    static LrSchedule of(Schedule s, double lr, long total, long stepsPerEpoch) {
        return new LrSchedule(
                s.kind(),
                lr,
                s.etaMin(),
                s.warmupSteps(),
                total,
                stepsPerEpoch,
                s.cycle() == Schedule.Cycle.EPOCH);
    }

    /** Learning rate of optimizer step {@code step} (0-based). */
    public double at(long step) {
        if (step < warmup) {
            return lr * step / warmup;
        }
        switch (kind) {
            case CONSTANT:
                return lr;
            case LINEAR:
                {
                    double frac =
                            total > warmup
                                    ? Math.max(0.0, (double) (total - step) / (total - warmup))
                                    : 0.0;
                    return etaMin + (lr - etaMin) * frac;
                }
            case COSINE:
                {
                    double progress;
                    if (perEpoch) {
                        progress = (double) (step % stepsPerEpoch) / stepsPerEpoch;
                    } else {
                        progress =
                                total > warmup
                                        ? Math.min(1.0, (double) (step - warmup) / (total - warmup))
                                        : 1.0;
                    }
                    return etaMin + (lr - etaMin) * 0.5 * (1.0 + Math.cos(Math.PI * progress));
                }
            default:
                throw new AssertionError(kind);
        }
    }
}
