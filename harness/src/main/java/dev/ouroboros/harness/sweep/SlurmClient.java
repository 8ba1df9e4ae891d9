package dev.ouroboros.harness.sweep;

import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Slurm commands a sweep uses ({@code sbatch}, {@code sinfo}, {@code squeue}, {@code sacct}),
 * each a child process with a time limit; they find the cluster as the user's shell would ({@code
 * SLURM_CONF} and the PATH are inherited).
 */
public final class SlurmClient {
    private static final long TIMEOUT_S = 60;

    /** A command's exit status and output; {@code status} -1: it could not be started. */
    record Answer(int status, String out, String err) {
        boolean ok() {
            return status == 0;
        }
    }

    private SlurmClient() {}

    static Answer call(List<String> cmd) {
        Process p;
        try {
            p = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            return new Answer(-1, "", cmd.get(0) + ": not found on the PATH");
        }
        try {
            p.getOutputStream().close();
            var out = p.getInputStream().readAllBytes();
            var err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Answer(-1, "", cmd.get(0) + ": no answer in " + TIMEOUT_S + " s");
            }
            return new Answer(
                    p.exitValue(),
                    new String(out, StandardCharsets.UTF_8),
                    new String(err, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            return new Answer(-1, "", cmd.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return new Answer(-1, "", cmd.get(0) + ": interrupted");
        }
    }

    /**
     * Submits a script; returns the job id. A refusal is one line with sbatch's reason (exit 2).
     */
    public static String submit(Path script) {
        Answer a = call(List.of("sbatch", "--parsable", script.toAbsolutePath().toString()));
        if (!a.ok()) {
            throw new UserInputException(
                    "sbatch "
                            + script
                            + " failed: "
                            + (a.err().isEmpty() ? "exit " + a.status() : firstLine(a.err())));
        }
        String id = a.out().strip().split(";", 2)[0];
        if (!id.matches("\\d+")) {
            throw new UserInputException(
                    "sbatch " + script + ": unexpected answer '" + a.out() + "'");
        }
        return id;
    }

    /** The GRES lines of a partition (null: the default one) from sinfo; null without sinfo. */
    public static List<String> partitionGres(String partition) {
        List<String> cmd = new ArrayList<>(List.of("sinfo", "-h", "-o", "%G"));
        if (partition != null) {
            cmd.addAll(List.of("-p", partition));
        }
        Answer a = call(cmd);
        return a.ok() ? a.out().lines().map(String::strip).toList() : null;
    }

    /**
     * The state of every array task of the given jobs that squeue lists ({@code 12_3 -> RUNNING}),
     * finished ones included while the controller remembers them; null when squeue cannot be asked.
     */
    public static Map<String, String> queued(List<String> jobIds) {
        Answer a =
                call(
                        List.of(
                                "squeue",
                                "-h",
                                "-r",
                                "-t",
                                "all",
                                "-j",
                                String.join(",", jobIds),
                                "-o",
                                "%i|%T"));
        if (a.status() != 0 && a.err().contains("Invalid job id")) {
            return Map.of(); // every job has left the queue
        }
        return a.ok() ? table(a.out()) : null;
    }

    /** Whether a task in this squeue state may still run (pending, running, requeued, ...). */
    public static boolean active(String state) {
        return switch (state) {
            case "PENDING",
                    "RUNNING",
                    "COMPLETING",
                    "CONFIGURING",
                    "REQUEUED",
                    "REQUEUE_HOLD",
                    "REQUEUE_FED",
                    "RESIZING",
                    "SUSPENDED",
                    "STOPPED",
                    "SIGNALING",
                    "STAGE_OUT" ->
                    true;
            default -> false;
        };
    }

    /** Final states from accounting ({@code 12_3 -> COMPLETED}); empty without accounting. */
    public static Map<String, String> accounted(List<String> jobIds) {
        Answer a =
                call(
                        List.of(
                                "sacct",
                                "-n",
                                "-P",
                                "-X",
                                "-j",
                                String.join(",", jobIds),
                                "-o",
                                "JobID,State"));
        return a.ok() ? table(a.out()) : Map.of();
    }

    private static Map<String, String> table(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : text.lines().toList()) {
            String[] f = line.strip().split("\\|");
            if (f.length >= 2 && !f[0].isEmpty()) {
                m.put(f[0], f[1].split(" ")[0]); // "CANCELLED by 0" -> CANCELLED
            }
        }
        return m;
    }

    private static String firstLine(String s) {
        return s.lines().findFirst().orElse(s);
    }
}
