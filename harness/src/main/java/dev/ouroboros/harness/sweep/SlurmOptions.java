package dev.ouroboros.harness.sweep;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.config.YamlConfig;
import dev.ouroboros.models.UserInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code slurm} section of a config (defaults in {@code sweep/slurm-defaults.yaml}): what each
 * array task of {@code ouro sweep --slurm} asks sbatch for. {@code gpus_per_task}, {@code
 * cpus_per_task} and {@code mem} may be {@code auto}, resolved from the device by {@link
 * SlurmResources}. Every value is checked here, each fault one line naming the key.
 */
public record SlurmOptions(
        String partition,
        String account,
        String time,
        String gpusPerTask,
        String cpusPerTask,
        String mem,
        int arrayThrottle,
        int signalSeconds,
        List<String> extra) {

    public static final String AUTO = "auto";

    private static final Pattern MEM = Pattern.compile("[1-9][0-9]*[KMGT]?");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.,:+-]+");
    private static final Pattern TIME =
            Pattern.compile("(?:(\\d+)-)?(\\d+)(?::(\\d+))?(?::(\\d+))?"); // [d-]h[:m[:s]] or m[:s]

    public SlurmOptions {
        check("slurm.partition", partition);
        check("slurm.account", account);
        if (time == null || (!unlimited(time) && seconds(time) <= 0)) {
            throw new UserInputException(
                    "config: slurm.time '"
                            + time
                            + "': expected a Slurm time limit such as 90 (minutes), 4:00:00 or"
                            + " 2-00:00:00 (days-hours:minutes:seconds)");
        }
        count("slurm.gpus_per_task", gpusPerTask, 0);
        count("slurm.cpus_per_task", cpusPerTask, 1);
        if (mem == null || !(mem.equals(AUTO) || MEM.matcher(mem).matches())) {
            throw new UserInputException(
                    "config: slurm.mem '"
                            + mem
                            + "': expected auto or a size such as 64G or 8000M");
        }
        if (arrayThrottle < 0) {
            throw new UserInputException(
                    "config: slurm.array_throttle must be >= 0 (0: no limit), got "
                            + arrayThrottle);
        }
        if (signalSeconds < 0 || signalSeconds > 65535) {
            throw new UserInputException(
                    "config: slurm.signal_seconds must be in 0..65535, got " + signalSeconds);
        }
        if (!unlimited(time) && signalSeconds >= seconds(time)) {
            throw new UserInputException(
                    "config: slurm.signal_seconds "
                            + signalSeconds
                            + " is not shorter than slurm.time "
                            + time);
        }
        extra = List.copyOf(extra == null ? List.of() : extra);
        for (String e : extra) {
            if (e == null || !e.startsWith("-") || e.contains("\n") || e.contains("\r")) {
                throw new UserInputException(
                        "config: slurm.extra '"
                                + e
                                + "': each item is one sbatch option on one line, such as"
                                + " --qos=normal");
            }
        }
    }

    /** The section of {@code config} with {@code overrides} (dotted keys) applied. */
    public static SlurmOptions load(Path config, List<String> overrides) {
        ObjectNode tree =
                YamlConfig.tree(
                        RunConfig.DEFAULTS,
                        YamlConfig.readFile(config),
                        config.toString(),
                        overrides);
        return YamlConfig.bind(SlurmOptions.class, (ObjectNode) tree.get("slurm"), "slurm");
    }

    /** Flags of {@code ouro sweep} over these values (a null flag keeps the value). */
    public SlurmOptions with(
            String partition,
            String account,
            String time,
            Integer gpus,
            Integer cpus,
            String mem,
            Integer throttle,
            Integer signal,
            List<String> moreExtra) {
        List<String> e = new ArrayList<>(extra);
        e.addAll(moreExtra);
        return new SlurmOptions(
                partition != null ? partition : this.partition,
                account != null ? account : this.account,
                time != null ? time : this.time,
                gpus != null ? gpus.toString() : gpusPerTask,
                cpus != null ? cpus.toString() : cpusPerTask,
                mem != null ? mem : this.mem,
                throttle != null ? throttle : arrayThrottle,
                signal != null ? signal : signalSeconds,
                e);
    }

    static boolean unlimited(String time) {
        return time.equalsIgnoreCase("UNLIMITED") || time.equalsIgnoreCase("INFINITE");
    }

    /**
     * Seconds of a Slurm time limit: {@code m}, {@code m:s}, {@code h:m:s}, {@code d-h}, {@code
     * d-h:m}, {@code d-h:m:s}; -1 when it is none of these.
     */
    static long seconds(String time) {
        Matcher m = TIME.matcher(time.trim());
        if (!m.matches()) {
            return -1;
        }
        long d = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
        long a = Long.parseLong(m.group(2));
        Long b = m.group(3) == null ? null : Long.parseLong(m.group(3));
        Long c = m.group(4) == null ? null : Long.parseLong(m.group(4));
        if (m.group(1) != null) { // d-h[:m[:s]]
            return ((d * 24 + a) * 60 + (b == null ? 0 : b)) * 60 + (c == null ? 0 : c);
        }
        if (c != null) { // h:m:s
            return (a * 60 + b) * 60 + c;
        }
        return b != null ? a * 60 + b : a * 60; // m:s or m
    }

    private static void check(String key, String value) {
        if (value != null && !NAME.matcher(value).matches()) {
            throw new UserInputException(
                    "config: "
                            + key
                            + " '"
                            + value
                            + "': expected a Slurm name (letters, digits, _.-)");
        }
    }

    private static void count(String key, String value, int min) {
        if (value == null) {
            throw new UserInputException("config: " + key + " must be auto or a number");
        }
        if (value.equals(AUTO)) {
            return;
        }
        try {
            if (Integer.parseInt(value) >= min) {
                return;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UserInputException(
                "config: " + key + " '" + value + "': expected auto or an integer >= " + min);
    }
}
