package dev.ouroboros.harness.sweep;

import dev.ouroboros.models.UserInputException;
import java.util.List;
import java.util.function.Function;

/**
 * What each array task asks for, {@link SlurmOptions} with {@code auto} resolved from the config's
 * {@code device}: {@code cpu} gets no GPU, {@code cuda}/{@code cuda:N} one, {@code auto} one when
 * the partition has GPUs ({@code sinfo}'s GRES; also when there is no sinfo to ask, since a cluster
 * is where GPUs are), else none; then 8 CPUs and 64G with a GPU, 2 CPUs and 8G without. {@code why}
 * says how the GPU count was chosen; {@code device} is what the task's run is given ({@code cuda}
 * with a GPU: inside the allocation the task's GPU is always device 0; else the config's).
 */
public record SlurmResources(
        String partition,
        String account,
        String time,
        int gpus,
        int cpus,
        String mem,
        int arrayThrottle,
        int signalSeconds,
        List<String> extra,
        String device,
        String why) {

    /**
     * @param device the config's {@code device}
     * @param partitionGres {@code sinfo}'s GRES lines of the partition, or null without sinfo
     */
    public static SlurmResources resolve(
            SlurmOptions o, String device, Function<String, List<String>> partitionGres) {
        int gpus;
        String why;
        if (!o.gpusPerTask().equals(SlurmOptions.AUTO)) {
            gpus = Integer.parseInt(o.gpusPerTask());
            why = "slurm.gpus_per_task " + gpus;
        } else if (device.equals("cpu")) {
            gpus = 0;
            why = "device cpu";
        } else if (device.startsWith("cuda")) {
            gpus = 1;
            why = "device " + device;
        } else {
            List<String> gres = partitionGres.apply(o.partition());
            if (gres == null) {
                gpus = 1;
                why = "device auto, no sinfo here to ask the cluster: assumed GPU nodes";
            } else {
                gpus = gres.stream().anyMatch(g -> g.contains("gpu")) ? 1 : 0;
                why =
                        "device auto, "
                                + (o.partition() == null ? "the cluster" : o.partition())
                                + (gpus > 0 ? " has GPUs (sinfo)" : " has no GPUs (sinfo)");
            }
        }
        if (gpus == 0 && device.startsWith("cuda")) {
            throw new UserInputException(
                    "slurm: device "
                            + device
                            + " needs a GPU but slurm.gpus_per_task is 0 (set device=cpu or"
                            + " --gpus-per-task 1)");
        }
        int cpus =
                o.cpusPerTask().equals(SlurmOptions.AUTO)
                        ? (gpus > 0 ? 8 : 2)
                        : Integer.parseInt(o.cpusPerTask());
        String mem = o.mem().equals(SlurmOptions.AUTO) ? (gpus > 0 ? "64G" : "8G") : o.mem();
        String taskDevice = gpus > 0 && !device.equals("cpu") ? "cuda" : device;
        return new SlurmResources(
                o.partition(),
                o.account(),
                o.time(),
                gpus,
                cpus,
                mem,
                o.arrayThrottle(),
                o.signalSeconds(),
                o.extra(),
                taskDevice,
                why);
    }

    /** One line for the console: what each task gets. */
    public String summary() {
        return String.format(
                "%d GPU(s) (%s), %d CPU(s), %s, time %s%s%s%s",
                gpus,
                why,
                cpus,
                mem,
                time,
                partition == null ? "" : ", partition " + partition,
                account == null ? "" : ", account " + account,
                arrayThrottle == 0 ? "" : ", at most " + arrayThrottle + " at once");
    }
}
