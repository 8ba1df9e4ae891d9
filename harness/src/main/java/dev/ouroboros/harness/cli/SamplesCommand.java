package dev.ouroboros.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.policy.MixingPolicy;
import dev.ouroboros.harness.run.Continuation;
import dev.ouroboros.harness.run.RunDir;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ouro samples RUN_DIR}: what the models of one (policy, seed) wrote after the same test
 * prompt, generation by generation, from each generation's {@code continuations.jsonl}.
 */
@Command(
        name = "samples",
        mixinStandardHelpOptions = true,
        description = {
            "Show what each generation of one policy and seed wrote after the same evaluation prompt.",
            "One line per generation, under the prompt and the real text that follows it (from each",
            "gen=NNN/continuations.jsonl). Prompt I is the I-th diversity prompt: a block of the run's test subset",
            "(its test_block, printed with it; 2I only under data.subset: first), its reference the block after it.",
            "Defaults: the config's first policy and seed, prompt 0, every generation that has its continuations."
        })
public final class SamplesCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN_DIR")
    Path runDir;

    @Option(names = "--policy", paramLabel = "P", description = "Policy (default: the first).")
    String policy;

    @Option(names = "--seed", paramLabel = "S", description = "Seed (default: the first).")
    Long seed;

    @Option(
            names = "--prompt",
            paramLabel = "I",
            defaultValue = "0",
            description = "Prompt index (default: ${DEFAULT-VALUE}).")
    int prompt;

    @Option(
            names = "--gens",
            paramLabel = "LIST",
            description = "Generations, e.g. 0,2,4 (default: all with continuations).")
    String gens;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of text.")
    boolean json;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(runDir.resolve("config.resolved.yaml"))) {
            throw new UserInputException(
                    runDir + ": not a run directory (no config.resolved.yaml)");
        }
        List<String> policies = policies();
        String p = choose(policies);
        Path policyDir = runDir.resolve("policy=" + p);
        List<Long> seeds = numbered(policyDir, "seed=");
        if (seeds.isEmpty()) {
            throw new UserInputException(policyDir + ": no seed=S directories yet");
        }
        long s = seed != null ? seed : seeds.get(0);
        if (!seeds.contains(s)) {
            throw new UserInputException(
                    "--seed "
                            + s
                            + ": policy "
                            + p
                            + " of "
                            + runDir
                            + " has seeds "
                            + join(seeds));
        }
        Path cell = RunDir.cell(runDir, p, s);
        TreeMap<Integer, Path> have = new TreeMap<>();
        for (long t : numbered(cell, "gen=")) {
            Path f = RunDir.gen(cell, (int) t).resolve(Continuation.FILE);
            if (Files.isRegularFile(f)) {
                have.put((int) t, f);
            }
        }
        String where = "policy=" + p + "/seed=" + s;
        if (have.isEmpty()) {
            throw new UserInputException(
                    runDir.resolve(where)
                            + ": no generation has its "
                            + Continuation.FILE
                            + " yet (none evaluated, or a run made before they were kept)");
        }
        List<Integer> wanted = wanted(have, where);
        Map<Integer, List<Continuation>> texts = read(have, wanted, where);
        Continuation first = texts.get(wanted.get(0)).get(prompt);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            printJson(out, p, s, first, texts);
        } else {
            printText(out, where, first, texts, wanted);
        }
        out.flush();
        return 0;
    }

    /** The continuations of the wanted generations; refused when --prompt is not in one. */
    private Map<Integer, List<Continuation>> read(
            TreeMap<Integer, Path> have, List<Integer> wanted, String where) {
        Map<Integer, List<Continuation>> texts = new TreeMap<>();
        for (int t : wanted) {
            List<Continuation> c = Continuation.read(have.get(t));
            if (prompt < 0 || prompt >= c.size()) {
                throw new UserInputException(
                        "--prompt "
                                + prompt
                                + ": "
                                + where
                                + String.format("/gen=%03d", t)
                                + (c.isEmpty()
                                        ? " has no prompts (eval.diversity_prompts is 0?)"
                                        : " has prompts 0.." + (c.size() - 1)));
            }
            texts.put(t, c);
        }
        return texts;
    }

    /** One JSON object: the prompt, its reference, and each generation's continuation. */
    private void printJson(
            PrintWriter out,
            String p,
            long s,
            Continuation first,
            Map<Integer, List<Continuation>> texts) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode o = m.createObjectNode();
        o.put("run", runDir.toString()).put("policy", p).put("seed", s);
        o.put("prompt", prompt).put("test_block", first.testBlock());
        o.put("prompt_text", first.promptText());
        ids(o.putArray("prompt_ids"), first.promptIds());
        o.put("reference_text", first.reference());
        ArrayNode g = o.putArray("generations");
        texts.forEach(
                (t, c) -> {
                    ObjectNode e = g.addObject().put("generation", t);
                    e.put("continuation_text", c.get(prompt).text());
                    ids(e.putArray("continuation_ids"), c.get(prompt).ids());
                });
        out.println(o);
    }

    /** The prompt, the real continuation and each generation's, one under the other. */
    private void printText(
            PrintWriter out,
            String where,
            Continuation first,
            Map<Integer, List<Continuation>> texts,
            List<Integer> wanted) {
        out.println(where + ", prompt " + prompt + " (test block " + first.testBlock() + ")");
        int w = ("gen " + wanted.get(wanted.size() - 1)).length();
        w = Math.max(w, "prompt".length());
        out.println(pad("prompt", w) + "  " + line(first.promptText()));
        out.println(pad("real", w) + "  " + line(first.reference()));
        int width = w;
        texts.forEach(
                (t, c) -> out.println(pad("gen " + t, width) + "  " + line(c.get(prompt).text())));
    }

    /** The run's policies, in the config's order where it can be read. */
    private List<String> policies() {
        List<String> dirs = new ArrayList<>();
        try (Stream<Path> s = Files.list(runDir)) {
            s.map(x -> x.getFileName().toString())
                    .filter(n -> n.startsWith("policy=") && Files.isDirectory(runDir.resolve(n)))
                    .map(n -> n.substring("policy=".length()))
                    .sorted()
                    .forEach(dirs::add);
        } catch (IOException e) {
            throw new UncheckedIOException(runDir + ": cannot list", e);
        }
        if (dirs.isEmpty()) {
            throw new UserInputException(runDir + ": no policy=P directories yet");
        }
        try {
            List<String> order =
                    RunConfig.load(runDir.resolve("config.resolved.yaml"), List.of())
                            .policies()
                            .stream()
                            .map(MixingPolicy::spec)
                            .toList();
            dirs.sort(
                    Comparator.comparingInt(
                            d -> order.contains(d) ? order.indexOf(d) : order.size()));
        } catch (RuntimeException unreadable) {
            // the directories' own order
        }
        return dirs;
    }

    private String choose(List<String> policies) {
        if (policy == null) {
            return policies.get(0);
        }
        if (policies.contains(policy)) {
            return policy;
        }
        try { // another spelling of the same policy (keep-real:0.10)
            String canonical = MixingPolicy.parse(policy).spec();
            if (policies.contains(canonical)) {
                return canonical;
            }
        } catch (UserInputException notAPolicy) {
            // named below with what exists
        }
        throw new UserInputException(
                "--policy "
                        + policy
                        + ": "
                        + runDir
                        + " has policies "
                        + String.join(", ", policies));
    }

    private List<Integer> wanted(TreeMap<Integer, Path> have, String where) {
        if (gens == null) {
            return new ArrayList<>(have.keySet());
        }
        List<Integer> out = new ArrayList<>();
        for (String g : gens.split(",", -1)) {
            int t;
            try {
                t = Integer.parseInt(g.trim());
            } catch (NumberFormatException e) {
                throw new UserInputException(
                        "--gens " + gens + ": '" + g + "' is not a generation number");
            }
            if (!have.containsKey(t)) {
                throw new UserInputException(
                        "--gens "
                                + gens
                                + ": "
                                + where
                                + " has no continuations for generation "
                                + t
                                + " (it has them for generations "
                                + join(have.keySet())
                                + ")");
            }
            if (!out.contains(t)) {
                out.add(t);
            }
        }
        out.sort(null);
        return out;
    }

    /** The numbers N of the {@code PREFIX N} directories of {@code dir}, ascending. */
    private static List<Long> numbered(Path dir, String prefix) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory)
                    .map(x -> x.getFileName().toString())
                    .filter(
                            n ->
                                    n.startsWith(prefix)
                                            && n.substring(prefix.length()).matches("-?[0-9]+"))
                    .map(n -> Long.parseLong(n.substring(prefix.length())))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list", e);
        }
    }

    private static String join(java.util.Collection<? extends Number> xs) {
        return xs.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }

    /** One line of text: a newline shows as ⏎. */
    private static String line(String text) {
        return text.strip().replace("\r", "").replaceAll(" *\n *", " ⏎ ");
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(Math.max(0, w - s.length()));
    }

    private static void ids(ArrayNode a, long[] ids) {
        for (long id : ids) {
            a.add(id);
        }
    }
}
