package dev.ouroboros.harness.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ouroboros.models.TorchOps;

/**
 * Dynamic loss scaling for fp16 training, with the rule and defaults of {@code
 * torch.amp.GradScaler}: the loss is multiplied by {@link #scale()} before backward so small fp16
 * gradients do not flush to zero; the fp32 master gradients are divided by it again; a step whose
 * gradients hold inf/NaN is skipped and the scale multiplied by {@code backoff}; after {@code
 * interval} consecutive good steps it is multiplied by {@code growth}.
 *
 * <p>{@link #disabled()} (fp32, bf16) keeps the scale at 1 and never skips. The state ({@link
 * #scale()}, {@link #goodSteps()}) is part of a checkpoint so that a resumed run scales exactly as
 * an uninterrupted one.
 *
 * <p>In training the state lives on the device ({@link #scaleTensor}, updated by {@link
 * #updateOnDevice}: {@code torch._amp_update_scale_}, so no step waits for the host); {@link
 * #scale()} and {@link #goodSteps()} are its host mirror as of the last step whose figures were
 * read ({@link #observe}). {@link #update(boolean)} is the same rule on the host, for a scaler not
 * used on a device.
 */
public final class LossScaler {
    /** GradScaler's defaults. */
    public static final double INIT = 65536.0;

    public static final double GROWTH = 2.0;
    public static final double BACKOFF = 0.5;
    public static final long INTERVAL = 2000;

    private final boolean enabled;
    private final double growth;
    private final double backoff;
    private final long interval;
    private double scale;
    private int goodSteps;

    /** The device state (scale 0-d fp32, good steps 0-d int32, or the constant [1, 1, 0]). */
    private NDManager device;

    private NDArray scaleT;
    private NDArray goodT;
    private NDArray constant;

    public LossScaler(double init, double growth, double backoff, long interval) {
        if (!(init > 0) || !(growth > 1) || !(backoff > 0 && backoff < 1) || interval < 1) {
            throw new IllegalArgumentException("bad loss-scaler settings");
        }
        this.enabled = true;
        this.scale = init;
        this.growth = growth;
        this.backoff = backoff;
        this.interval = interval;
    }

    private LossScaler() {
        this.enabled = false;
        this.scale = 1.0;
        this.growth = 1.0;
        this.backoff = 1.0;
        this.interval = Long.MAX_VALUE;
    }

    /** Scale 1, no skipping: fp32 and bf16. */
    public static LossScaler disabled() {
        return new LossScaler();
    }

    /** GradScaler's defaults: 2^16, ×2 every 2000 good steps, ×0.5 on overflow. */
    public static LossScaler fp16() {
        return new LossScaler(INIT, GROWTH, BACKOFF, INTERVAL);
    }

    /**
     * What {@code precision} needs: GradScaler's rule from {@code init} and {@code interval} for
     * fp16, else none.
     */
    public static LossScaler of(
            dev.ouroboros.models.Precision precision, double init, long interval) {
        return precision.needsLossScaling()
                ? new LossScaler(init, GROWTH, BACKOFF, interval)
                : disabled();
    }

    public boolean enabled() {
        return enabled;
    }

    public double scale() {
        return scale;
    }

    /** Consecutive good steps since the last change of the scale. */
    public int goodSteps() {
        return goodSteps;
    }

    /**
     * Records a step's outcome: overflow backs the scale off, the {@code interval}-th good step
     * grows it.
     */
    public void update(boolean overflow) {
        if (!enabled) {
            return;
        }
        if (overflow) {
            scale *= backoff;
            goodSteps = 0;
        } else if (++goodSteps >= interval) {
            scale *= growth;
            goodSteps = 0;
        }
    }

    /** Restores a checkpointed state. */
    public void restore(double scale, int goodSteps) {
        if (enabled) {
            this.scale = scale;
            this.goodSteps = goodSteps;
            close(); // the device state is made again from these on the next step
        }
    }

    /**
     * The scale on the device of {@code parent} (0-d fp32), made from the host state on first use
     * (one upload per run); what the loss is multiplied by before backward.
     */
    NDArray scaleTensor(NDManager parent) {
        if (scaleT == null) {
            device = parent.newSubManager();
            scaleT = device.zeros(new Shape(), DataType.FLOAT32).addi(scale);
            goodT = device.zeros(new Shape(), DataType.INT32).addi(goodSteps);
        }
        return scaleT;
    }

    /**
     * GradScaler's update on the device from the step's {@code foundInf} (0-d fp32); returns {@code
     * [scale used, scale now, good steps]} (fp32, attached to {@code owner}). Disabled: the
     * constant {@code [1, 1, 0]}. No host sync.
     */
    NDArray updateOnDevice(NDArray foundInf, NDManager parent, NDManager owner) {
        if (!enabled) {
            if (constant == null) {
                device = parent.newSubManager();
                constant = device.create(new float[] {1f, 1f, 0f}); // one upload per run
            }
            return constant;
        }
        scaleTensor(parent);
        return TorchOps.updateScale(scaleT, goodT, foundInf, growth, backoff, interval, owner);
    }

    /** The host mirror, from a step's figures ({@code [used, now, good steps]} of the update). */
    void observe(double scaleNow, double goodStepsNow) {
        if (enabled) {
            this.scale = scaleNow;
            this.goodSteps = (int) goodStepsNow;
        }
    }

    /** Frees the device state (made again on the next step from the host mirror). */
    void close() {
        if (device != null) {
            device.close();
            device = null;
            scaleT = null;
            goodT = null;
            constant = null;
        }
    }
}
