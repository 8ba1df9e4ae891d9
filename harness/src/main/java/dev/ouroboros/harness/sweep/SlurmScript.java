package dev.ouroboros.harness.sweep;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The text of {@code sweep.sbatch}: a Slurm array job, task i running point i with the
 * already-built harness ({@code java … Ouro run <point>/config.resolved.yaml out=… name=…}, never a
 * build). Preemption: {@code --requeue} and {@code --signal=B:TERM@S}; the script forwards SIGTERM
 * to the JVM, which (in training) finishes its optimizer step, writes a checkpoint and exits 75, or
 * (elsewhere) exits at once; if Slurm still lists the task as RUNNING then (the time-limit warning,
 * not a cancel, a requeue or a preemption, which decide the task's fate themselves) the script
 * requeues the task, which resumes where it stopped.
 */
public record SlurmScript(
        String sweepName, Path sweepDir, List<Task> tasks, SlurmResources res, List<String> java) {

    /** Array task {@code i}: a point's name and directory. */
    public record Task(String name, Path dir) {}

    /** The script's text. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append("#!/bin/bash\n");
        sb.append("# Slurm array job for sweep ")
                .append(sweepName)
                .append(": ")
                .append(tasks.size())
                .append(" cell(s), one task each; written by ouro sweep --slurm at ")
                .append(Instant.now())
                .append(".\n");
        sb.append("# Submit: sbatch ")
                .append(sweepDir.resolve("sweep.sbatch"))
                .append("  (or ouro sweep ... --slurm --submit). Each task runs ")
                .append(res.summary())
                .append(".\n");
        for (String o : options()) {
            sb.append("#SBATCH ").append(o).append('\n');
        }
        sb.append("set -uo pipefail\n");
        sb.append("cells=(\n");
        for (Task t : tasks) {
            sb.append("  ").append(quote(t.dir().toAbsolutePath().toString())).append('\n');
        }
        sb.append(")\n");
        sb.append("names=(\n");
        for (Task t : tasks) {
            sb.append("  ").append(quote(t.name())).append('\n');
        }
        sb.append(")\n");
        sb.append(
                """
                i="${SLURM_ARRAY_TASK_ID:?not running as a Slurm array task}"
                task="${SLURM_ARRAY_JOB_ID}_${i}"
                cell="${cells[$i]:?no cell for task $i}"
                # libtorch's intra-op threads: the CPUs of this task, not every core of the node
                export OMP_NUM_THREADS="${OMP_NUM_THREADS:-${SLURM_CPUS_PER_TASK:-1}}"
                echo "ouro: task $task restart ${SLURM_RESTART_COUNT:-0} on $(hostname) at $(date -u +%FT%TZ): $cell"
                """);
        sb.append(String.join(" ", java.stream().map(SlurmScript::quote).toList()))
                .append(" run \"$cell/config.resolved.yaml\" ")
                .append(quote("out=" + sweepDir.toAbsolutePath()))
                .append(" \"name=${names[$i]}\"");
        if (!res.device().equals("auto")) {
            sb.append(' ').append(quote("device=" + res.device()));
        }
        sb.append(" &\n");
        sb.append(
                """
                pid=$!
                stopping=0
                trap 'stopping=1; kill -TERM "$pid" 2>/dev/null' TERM
                while :; do
                  wait "$pid"; rc=$?
                  kill -0 "$pid" 2>/dev/null || break  # a wait cut short by the trap: the JVM still runs
                done
                if [ "$rc" -gt 128 ]; then  # the trap cut the last wait short: the JVM's own status, if unread
                  wait "$pid" 2>/dev/null; again=$?
                  [ "$again" -ne 127 ] && rc=$again
                fi
                if [ "$rc" -eq 75 ] || [ "$stopping" = 1 ]; then
                  # stopped by SIGTERM: with a checkpoint (75) or outside training (143, files are atomic)
                  state="$(squeue -h -j "$task" -o %T 2>/dev/null)"
                  if [ "$state" = RUNNING ]; then
                    echo "ouro: task $task stopped (exit $rc) before its time limit: requeueing it"
                    scontrol requeue "$task"
                  else
                    echo "ouro: task $task stopped (exit $rc; Slurm: ${state:-gone}); a requeued task resumes"
                  fi
                fi
                exit "$rc"
                """);
        return sb.toString();
    }

    /** The {@code #SBATCH} options, in order. */
    List<String> options() {
        List<String> o = new ArrayList<>();
        o.add("--job-name=ouro-" + sweepName.replaceAll("[^A-Za-z0-9_.-]", "_"));
        o.add(
                "--array=0-"
                        + (tasks.size() - 1)
                        + (res.arrayThrottle() > 0 ? "%" + res.arrayThrottle() : ""));
        o.add("--nodes=1");
        o.add("--ntasks=1");
        o.add("--cpus-per-task=" + res.cpus());
        o.add("--mem=" + res.mem());
        if (res.gpus() > 0) {
            o.add("--gres=gpu:" + res.gpus());
        }
        if (!SlurmOptions.unlimited(res.time())) {
            o.add("--time=" + res.time());
        }
        if (res.partition() != null) {
            o.add("--partition=" + res.partition());
        }
        if (res.account() != null) {
            o.add("--account=" + res.account());
        }
        o.add("--requeue");
        if (res.signalSeconds() > 0) {
            o.add("--signal=B:TERM@" + res.signalSeconds());
        }
        o.add("--open-mode=append");
        o.add("--output=" + sweepDir.toAbsolutePath() + "/slurm-%A_%a.out");
        o.addAll(res.extra());
        return o;
    }

    static String quote(String s) {
        return s.matches("[A-Za-z0-9_./=:,+@%-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
