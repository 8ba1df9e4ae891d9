package dev.ouroboros.harness.base;

import java.time.Duration;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of long work on stderr: a progress bar with rate and ETA when stderr is a terminal,
 * otherwise one log line at most every 10 seconds (logs of batch jobs stay readable).
 */
public final class Progress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

    private final String task;
    private final String unit;
    private final long total;
    private final long startNanos = System.nanoTime();
    private final ProgressBar bar;
    private final long tokensPerUnit;
    private long lastLog = System.nanoTime();
    private long done;
    private long startDone = -1; // what was already done when this process started (a resumed set)

    public Progress(String task, String unit, long total) {
        this(task, unit, total, 0);
    }

    /** With {@code tokensPerUnit > 0} the line also shows tokens/s. */
    public Progress(String task, String unit, long total, long tokensPerUnit) {
        this.tokensPerUnit = tokensPerUnit;
        this.task = task;
        this.unit = unit;
        this.total = total;
        this.bar =
                System.console() != null
                        ? new ProgressBarBuilder()
                                .setTaskName(task)
                                .setInitialMax(total)
                                .setUnit(" " + unit, 1)
                                .setStyle(ProgressBarStyle.ASCII)
                                .showSpeed()
                                .continuousUpdate()
                                .setConsumer(
                                        new me.tongfei.progressbar.ConsoleProgressBarConsumer(
                                                System.err))
                                .build()
                        : null;
    }

    /** Sets the amount done so far. */
    public void update(long doneSoFar) {
        if (startDone < 0) {
            startDone = doneSoFar;
        }
        done = doneSoFar;
        if (bar != null) {
            bar.stepTo(doneSoFar);
            return;
        }
        long now = System.nanoTime();
        if (now - lastLog > 10_000_000_000L || doneSoFar == total) {
            lastLog = now;
            LOG.info("{}: {}", task, line());
        }
    }

    /** {@code 12/40 blocks (30.0%) | 3.1 blocks/s | eta 9s}. */
    public String line() {
        double secs = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        double rate =
                (done - Math.max(0, startDone))
                        / secs; // this process's own rate, not inflated by a resume
        String eta =
                rate > 0 && total > done
                        ? format(Duration.ofSeconds((long) ((total - done) / rate)))
                        : "-";
        String tokens =
                tokensPerUnit > 0 ? String.format(" | %.0f tok/s", rate * tokensPerUnit) : "";
        return String.format(
                "%d/%d %s (%.1f%%) | %.2f %s/s%s | elapsed %s | eta %s",
                done,
                total,
                unit,
                total == 0 ? 100.0 : 100.0 * done / total,
                rate,
                unit,
                tokens,
                format(Duration.ofSeconds((long) secs)),
                eta);
    }

    static String format(Duration d) {
        long s = d.getSeconds();
        return s >= 3600
                ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
