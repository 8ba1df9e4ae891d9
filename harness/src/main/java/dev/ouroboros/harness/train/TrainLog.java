package dev.ouroboros.harness.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The step log: one human line per logging interval ({@code step 123/5000 | epoch 1 | loss 3.21 |
 * lr 2.0e-05 | gnorm 0.83 | 41.2k tok/s | mem 1.2 GiB | eta 12m}) and the same numbers as one JSON
 * object per line in {@code train.jsonl}, flushed line by line.
 */
final class TrainLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BufferedWriter out;
    private final Consumer<String> console;

    /**
     * Opens {@code file} for appending; on resume, lines about steps after {@code keepUpToStep}
     * (written by the crashed run after its last checkpoint) are dropped first, so the file reads
     * as one uninterrupted run.
     */
    TrainLog(Path file, long keepUpToStep, Consumer<String> console) {
        this.console = console;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (Files.exists(file)) {
                List<String> keep = new ArrayList<>();
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    try {
                        if (!line.isBlank()
                                && JSON.readTree(line).path("step").asLong(Long.MAX_VALUE)
                                        <= keepUpToStep) {
                            keep.add(line);
                        }
                    } catch (IOException e) {
                        // a torn last line from a crash: drop it
                    }
                }
                dev.ouroboros.models.io.AtomicFile.write(
                        file,
                        (String.join("\n", keep) + (keep.isEmpty() ? "" : "\n"))
                                .getBytes(StandardCharsets.UTF_8));
            }
            out =
                    Files.newBufferedWriter(
                            file,
                            StandardCharsets.UTF_8,
                            StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot open the training log", e);
        }
    }

    ObjectNode row(String event) {
        ObjectNode n = JSON.createObjectNode();
        n.put("event", event);
        n.put("time", java.time.Instant.now().toString());
        return n;
    }

    void write(ObjectNode row, String human) {
        try {
            out.write(JSON.writeValueAsString(row));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to train.jsonl", e);
        }
        if (human != null) {
            console.accept(human);
        }
    }

    /** The validation loss before training (a fresh run's first row). */
    void initialEval(double v) {
        ObjectNode row = row("eval");
        row.put("step", 0).put("epoch", 0).put("val_loss", v).put("val_ppl", Math.exp(v));
        write(
                row,
                String.format(
                        Locale.ROOT,
                        "epoch 0 (before training) | val loss %.4f | val ppl %.2f",
                        v,
                        Math.exp(v)));
    }

    /** An epoch's row and line: its train and validation loss, whether it is the best so far. */
    void epochDone(long step, CheckpointStore.EpochRecord rec, long rss) {
        ObjectNode row = row("eval");
        row.put("step", step)
                .put("epoch", rec.epoch())
                .put("train_loss", rec.trainLoss())
                .put("val_loss", rec.valLoss())
                .put("val_ppl", Math.exp(rec.valLoss()))
                .put("best", rec.best())
                .put("rss_bytes", rss);
        write(
                row,
                String.format(
                        Locale.ROOT,
                        "epoch %d done | train loss %.4f | val loss %.4f | val ppl %.2f%s",
                        rec.epoch(),
                        rec.trainLoss(),
                        rec.valLoss(),
                        Math.exp(rec.valLoss()),
                        rec.best() ? " | best so far" : ""));
    }

    /** The row of a run stopped by a non-finite {@code what} at step {@code step} (1-based). */
    void diverged(long step, String what, double value) {
        ObjectNode row = row("diverged");
        row.put("step", step).put("what", what).put("value", String.valueOf(value));
        write(row, null);
    }

    /** A checkpoint of step {@code step} was written. */
    void checkpointed(long step) {
        ObjectNode row = row("checkpoint");
        row.put("step", step);
        write(row, null);
    }

    static String stepLine(
            long step,
            long total,
            int epoch,
            double loss,
            double lr,
            double gnorm,
            double tokPerSec,
            long rssBytes,
            double etaSeconds,
            Double mfu) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "step %d/%d | epoch %d | loss %.4f | lr %.1e | gnorm %.2f | %s tok/s | mem %.1f GiB | eta %s",
                        step,
                        total,
                        epoch,
                        loss,
                        lr,
                        gnorm,
                        humanRate(tokPerSec),
                        rssBytes / (double) (1L << 30),
                        eta(etaSeconds)));
        if (mfu != null) {
            sb.append(String.format(Locale.ROOT, " | mfu %.1f%%", 100 * mfu));
        }
        return sb.toString();
    }

    static String humanRate(double r) {
        return r >= 1e6
                ? String.format(Locale.ROOT, "%.2fM", r / 1e6)
                : r >= 1e3
                        ? String.format(Locale.ROOT, "%.1fk", r / 1e3)
                        : String.format(Locale.ROOT, "%.0f", r);
    }

    static String eta(double s) {
        if (!Double.isFinite(s) || s < 0) {
            return "-";
        }
        long t = Math.round(s);
        return t >= 3600
                ? String.format(Locale.ROOT, "%dh%02dm", t / 3600, (t % 3600) / 60)
                : t >= 60 ? String.format(Locale.ROOT, "%dm", Math.round(t / 60.0)) : t + "s";
    }

    /** Resident set size of this process (VmRSS), or -1 where /proc is unavailable. */
    static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
