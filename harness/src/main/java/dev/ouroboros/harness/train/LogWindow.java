package dev.ouroboros.harness.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * The steps since the last log line (tokens, mean loss, skipped fp16 steps, the last applied step's
 * gradient norm) and the line itself: one {@code train} row in {@code train.jsonl} and the console
 * line ({@link TrainLog#stepLine}).
 */
final class LogWindow {
    private final long runStartStep;
    private final long runStartNanos = System.nanoTime();
    private long start = System.nanoTime();
    private long tokens;
    private double loss;
    private int lossSteps;
    private int skipped;

    /** Of the last applied step (fp16 skips report none). */
    private double lastNorm = Double.NaN;

    LogWindow(long runStartStep) {
        this.runStartStep = runStartStep;
    }

    /** A step was queued: its tokens count now, its figures when read ({@link #add}). */
    void tokens(long stepTokens) {
        tokens += stepTokens;
    }

    /**
     * A step's figures. The non-finite loss of a step the fp16 loss scaler skipped is not averaged
     * (it is the overflow that made the skip).
     */
    void add(TrainStep.Result r) {
        if (!r.skipped() || Double.isFinite(r.loss())) {
            loss += r.loss();
            lossSteps++;
        }
        if (r.skipped()) {
            skipped++;
        } else {
            lastNorm = r.gradNorm();
        }
    }

    /**
     * Writes the line for {@code step} and starts a new window.
     *
     * @param params the model's parameter count (for MFU), {@code peakTflops} 0 = no MFU
     */
    void write(
            TrainLog log,
            long step,
            long total,
            int epoch,
            double lr,
            long tokensSeen,
            long params,
            double peakTflops,
            LossScaler scaler) {
        double secs = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        double tps = tokens / secs;
        double perStep = (System.nanoTime() - runStartNanos) / 1e9 / (step - runStartStep);
        double eta = perStep * (total - step);
        long rss = TrainLog.rssBytes();
        Double mfu = peakTflops > 0 ? 6.0 * params * tps / (peakTflops * 1e12) : null;
        double meanLoss = loss / lossSteps;
        ObjectNode row = log.row("train");
        row.put("step", step)
                .put("total_steps", total)
                .put("epoch", epoch)
                .put("loss", meanLoss)
                .put("lr", lr)
                .put("tokens_per_s", tps)
                .put("rss_bytes", rss)
                .put("eta_s", eta)
                .put("tokens_seen", tokensSeen);
        if (Double.isFinite(lastNorm)) {
            row.put("grad_norm", lastNorm);
        } else {
            row.putNull("grad_norm");
        }
        if (mfu != null) {
            row.put("mfu", mfu);
        }
        String line =
                TrainLog.stepLine(step, total, epoch, meanLoss, lr, lastNorm, tps, rss, eta, mfu);
        if (scaler.enabled()) {
            row.put("loss_scale", scaler.scale()).put("skipped_steps", skipped);
            line +=
                    String.format(
                            Locale.ROOT, " | scale %.0f | skipped %d", scaler.scale(), skipped);
        }
        log.write(row, line);
        skipped = 0;
        start = System.nanoTime();
        tokens = 0;
        loss = 0;
        lossSteps = 0;
    }
}
