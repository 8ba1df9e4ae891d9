package dev.ouroboros.harness.train;

import dev.ouroboros.harness.config.Checks;
import dev.ouroboros.models.UserInputException;

/**
 * The {@code optim} section: AdamW (decoupled weight decay on parameters with ndim >= 2), global
 * L2-norm clipping, and fp16's dynamic loss scaling (torch.amp.GradScaler's init_scale and
 * growth_interval).
 *
 * @param maxGradNorm 0 = no clipping
 */
public record Optim(
        double lr,
        double beta1,
        double beta2,
        double eps,
        double weightDecay,
        double maxGradNorm,
        double lossScaleInit,
        long lossScaleGrowthInterval) {

    public Optim {
        Checks.positive("optim.lr", lr);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new UserInputException(
                    "config: optim.beta1 and optim.beta2 must be in [0, 1), got "
                            + beta1
                            + " and "
                            + beta2);
        }
        Checks.positive("optim.eps", eps);
        Checks.nonNegative("optim.weight_decay", weightDecay);
        Checks.nonNegative("optim.max_grad_norm", maxGradNorm);
        Checks.positive("optim.loss_scale_init", lossScaleInit);
        Checks.positive("optim.loss_scale_growth_interval", lossScaleGrowthInterval);
    }
}
