package dev.ouroboros.harness.sweep;

import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.policy.MixingPolicy;
import dev.ouroboros.models.UserInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The points of {@code ouro sweep}: each {@code key=v1,v2} or {@code key=a..b} argument is an axis (comma lists and
 * inclusive integer ranges, mixable: {@code seed=0..2,7}); every other {@code key=value} is a plain override shared
 * by all points. {@code policy} and {@code seed} are sugar for {@code policies=[x]} and {@code seeds=[x]}; when they
 * are not given, the config's own policies and seeds become those axes, so every point is one (policy, seed) study.
 * A value starting with {@code [} or {@code {} is never split (it is a YAML list or map).
 */
public record Grid(List<String> fixed, List<Axis> axes) {
    private static final Pattern RANGE = Pattern.compile("(-?\\d+)\\.\\.(-?\\d+)");
    private static final Pattern NUMBER =
            Pattern.compile("[-+]?[0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?");

    /** One axis: a dotted config key (or policy / seed) and its values, in order. */
    public record Axis(String key, List<String> values) {}

    /**
     * One point of the grid: its name (a directory name), its values per axis, and the overrides
     * that make its config.
     */
    public record Point(String name, Map<String, String> values, List<String> overrides) {}

    /** Splits the arguments after CONFIG into shared overrides and axes. */
    public static Grid parse(List<String> args) {
        List<String> fixed = new ArrayList<>();
        List<Axis> axes = new ArrayList<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new UserInputException(
                        "sweep: '"
                                + a
                                + "' is not key=value (e.g. seed=0..4 or optim.lr=1e-4,3e-4)");
            }
            String key = a.substring(0, eq).trim();
            String raw = a.substring(eq + 1).trim();
            boolean sugar = key.equals("policy") || key.equals("seed");
            boolean structured =
                    raw.startsWith("[")
                            || raw.startsWith("{")
                            || raw.startsWith("\"")
                            || raw.startsWith("'");
            if (!sugar && (structured || (!raw.contains(",") && !raw.contains("..")))) {
                fixed.add(a);
                continue;
            }
            if (key.startsWith("slurm.")) {
                throw new UserInputException(
                        "sweep: '"
                                + a
                                + "': slurm.* is the same for every task of the array, not an axis");
            }
            if (axes.stream().anyMatch(x -> x.key().equals(key))) {
                throw new UserInputException("sweep: '" + key + "' is given twice");
            }
            List<String> values = values(key, raw);
            if (values.stream().distinct().count() != values.size()) {
                throw new UserInputException("sweep: '" + a + "' repeats a value");
            }
            axes.add(new Axis(key, values));
        }
        return new Grid(fixed, axes);
    }

    static List<String> values(String key, String raw) {
        if (raw.isEmpty()) {
            throw new UserInputException("sweep: '" + key + "=' has no values");
        }
        List<String> parts = new ArrayList<>();
        for (String p : raw.split(",", -1)) {
            String v = p.trim();
            // mix:0.1,0.2,0.7 is one policy: a bare number continues the previous policy spec
            if (key.equals("policy") && !parts.isEmpty() && NUMBER.matcher(v).matches()) {
                parts.set(parts.size() - 1, parts.get(parts.size() - 1) + "," + v);
            } else {
                parts.add(v);
            }
        }
        List<String> out = new ArrayList<>();
        for (String v : parts) {
            if (v.isEmpty()) {
                throw new UserInputException("sweep: '" + key + "=" + raw + "' has an empty value");
            }
            Matcher m = RANGE.matcher(v);
            if (m.matches()) {
                long from = Long.parseLong(m.group(1));
                long to = Long.parseLong(m.group(2));
                if (to < from) {
                    throw new UserInputException(
                            "sweep: range '" + v + "' of '" + key + "' is empty (write low..high)");
                }
                if (to - from >= 10_000) {
                    throw new UserInputException(
                            "sweep: range '" + v + "' of '" + key + "' is too large");
                }
                for (long i = from; i <= to; i++) {
                    out.add(Long.toString(i));
                }
            } else if (v.contains("..")) {
                throw new UserInputException(
                        "sweep: '"
                                + v
                                + "' of '"
                                + key
                                + "': ranges are integers, low..high (e.g. 0..4)");
            } else {
                out.add(v);
            }
        }
        if (key.equals("seed")) {
            for (String s : out) {
                try {
                    if (Long.parseLong(s) < 0) {
                        throw new NumberFormatException();
                    }
                } catch (NumberFormatException e) {
                    throw new UserInputException(
                            "sweep: seed '" + s + "' is not a non-negative integer");
                }
            }
        }
        return out;
    }

    /**
     * The points, the last axis varying fastest; policy and seed axes default to the config's
     * lists.
     */
    public List<Point> points(RunConfig base) {
        List<Axis> all = new ArrayList<>(axes);
        if (all.stream().noneMatch(a -> a.key().equals("policy"))) {
            all.add(new Axis("policy", base.policies().stream().map(MixingPolicy::spec).toList()));
        }
        if (all.stream().noneMatch(a -> a.key().equals("seed"))) {
            all.add(new Axis("seed", base.seeds().stream().map(String::valueOf).toList()));
        }
        List<Point> points = new ArrayList<>();
        expand(all, 0, new LinkedHashMap<>(), points);
        return points;
    }

    private void expand(
            List<Axis> all, int i, LinkedHashMap<String, String> chosen, List<Point> out) {
        if (i == all.size()) {
            List<String> names = new ArrayList<>();
            List<String> ov = new ArrayList<>(fixed);
            chosen.forEach(
                    (k, v) -> {
                        names.add(k + "=" + v);
                        ov.add(
                                switch (k) {
                                    case "policy" -> "policies=[" + quote(v) + "]";
                                    case "seed" -> "seeds=[" + v + "]";
                                    default -> k + "=" + v;
                                });
                    });
            String name = String.join(",", names).replace('/', '_').replace('\\', '_');
            out.add(new Point(name, new LinkedHashMap<>(chosen), ov));
            return;
        }
        Axis a = all.get(i);
        for (String v : a.values()) {
            chosen.put(a.key(), v);
            expand(all, i + 1, chosen, out);
            chosen.remove(a.key());
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
