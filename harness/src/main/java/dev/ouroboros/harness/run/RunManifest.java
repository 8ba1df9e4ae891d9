package dev.ouroboros.harness.run;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.harness.config.ConfigWords;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.models.Accelerators;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.Placement;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * The bookkeeping of a run directory's {@code manifest.json}, {@code config.resolved.yaml} and
 * {@code overrides.txt}: what a new run records ({@link Manifest#describe}, the derived seeds),
 * what a resume must agree with (the config hash, the blocks each split took), and what it records
 * when it changes (more generations, the resolved {@code generate.batch_size}).
 */
final class RunManifest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final Path file;
    private final RunConfig cfg;
    private final Consumer<String> console;

    RunManifest(Path root, RunConfig cfg, Consumer<String> console) {
        this.root = root;
        this.file = root.resolve("manifest.json");
        this.cfg = cfg;
        this.console = console;
    }

    /** Whether the directory holds a run already (its manifest). */
    boolean exists() {
        return Files.exists(file);
    }

    /** Refuses a directory made by another config; writes nothing. */
    void requireSameConfig() {
        String problem = otherConfig();
        if (problem != null) {
            throw new UserInputException(problem);
        }
    }

    /** Why the directory cannot be resumed with this config (it was made by another), or null. */
    String otherConfig() {
        if (!exists()) {
            return null;
        }
        String had = read().path("config_hash").asText();
        return had.equals(cfg.hash())
                ? null
                : root
                        + ": was started with another config (hash "
                        + had
                        + ", this one "
                        + cfg.hash()
                        + "); resume it with its own config.resolved.yaml, or give this one"
                        + " another name (add name=NEW_NAME)";
    }

    /**
     * A new run: writes the resolved config, the overrides and the manifest. A resumed one: records
     * a changed number of generations.
     */
    void start(Placement placement, List<String> overrides) {
        if (exists()) {
            console.accept("resuming " + root);
            recordGenerations();
            return;
        }
        writeResolvedConfig();
        write(
                root.resolve("overrides.txt"),
                String.join("\n", overrides) + (overrides.isEmpty() ? "" : "\n"));
        ObjectNode m = Manifest.describe(cfg, placement);
        putDerivedSeeds(m);
        write(file, m.toPrettyString());
        console.accept("new run " + root);
    }

    /**
     * Records which blocks each split took ({@code data_subsets}: subset, blocks, of, sha256 of the
     * indices; under {@code data.subset_seed: seed}, {@code data_subsets_by_seed}: the same per
     * seed) and whose seed drew them ({@code data_subset_seed}); a resume whose data picks other
     * blocks is refused.
     */
    void recordSubsets(StudyData data, List<Long> seeds) {
        ObjectNode m = read();
        boolean perSeed = cfg.data().subsetSeed() == RunConfig.Data.SubsetSeed.SEED;
        String key = perSeed ? "data_subsets_by_seed" : "data_subsets";
        ObjectNode now = JSON.createObjectNode();
        if (perSeed) {
            for (long seed : seeds) {
                now.set(String.valueOf(seed), describe(data.forSeed(cfg, seed)));
            }
        } else {
            now = describe(data);
        }
        if (m.has(key)) {
            if (!m.get(key).equals(now)) {
                throw new UserInputException(
                        root
                                + ": the data now gives other blocks than the run was made with"
                                + " (manifest "
                                + key
                                + " "
                                + m.get(key)
                                + ", now "
                                + now
                                + "); were the corpus files changed?");
            }
            return;
        }
        m.put("data_subset_seed", ConfigWords.word(cfg.data().subsetSeed()));
        m.set(key, now);
        write(file, m.toPrettyString());
    }

    private static ObjectNode describe(StudyData data) {
        ObjectNode o = JSON.createObjectNode();
        data.chosen().forEach((split, c) -> o.set(split, c.describe()));
        return o;
    }

    /**
     * Fixes {@code generate.batch_size: auto} ({@link GenerateBatch}) and records it ({@code
     * generate_batch_size}); a resume reuses the recorded size wherever it runs, so the sampling
     * streams and batched roundings stay those of the first start. A fixed size is returned as is.
     */
    int generateBatchSize(OptConfig shape, int trainBlocks, Device device) {
        if (!cfg.generate().batchSize().isAuto()) {
            return cfg.generate().batchSize().prompts();
        }
        ObjectNode m = read();
        if (m.path("generate_batch_size").canConvertToInt()) {
            int n = m.get("generate_batch_size").asInt();
            console.accept("generate.batch_size: auto -> " + n + " (as recorded in " + file + ")");
            return n;
        }
        GenerateBatch b =
                GenerateBatch.resolve(
                        cfg.generate(),
                        shape,
                        cfg.data().blockSize(),
                        trainBlocks,
                        device,
                        Accelerators::freeBytes);
        console.accept(b.line());
        m.put("generate_batch_size", b.prompts());
        write(file, m.toPrettyString());
        return b.prompts();
    }

    /**
     * A run resumed with another number of generations (the config hash leaves it out): the
     * resolved config and the derived seeds are rewritten for the new count, and the change is kept
     * in {@code generations_history}.
     */
    private void recordGenerations() {
        ObjectNode m = read();
        int had = m.path("derived_seeds").path(String.valueOf(cfg.seeds().get(0))).size();
        if (had == cfg.generations()) {
            return;
        }
        console.accept(root + ": " + had + " generations before, now " + cfg.generations());
        m.withArray("generations_history")
                .addObject()
                .put("from", had)
                .put("to", cfg.generations())
                .put("time", Instant.now().toString());
        putDerivedSeeds(m);
        writeResolvedConfig();
        write(file, m.toPrettyString());
    }

    private void putDerivedSeeds(ObjectNode m) {
        ObjectNode seeds = m.putObject("derived_seeds");
        for (long seed : cfg.seeds()) {
            ArrayNode a = seeds.putArray(String.valueOf(seed));
            for (int t = 0; t < cfg.generations(); t++) {
                a.addObject()
                        .put("generation", t)
                        .put("train", Seeds.train(seed, t))
                        .put("policy", Seeds.policy(seed, t))
                        .put("synthesis", Seeds.synthesis(seed, t))
                        .put("eval", Seeds.eval(seed, t));
            }
        }
    }

    private void writeResolvedConfig() {
        write(
                root.resolve("config.resolved.yaml"),
                "# resolved by ouro; resume with: scripts/ouro resume "
                        + root
                        + "\n"
                        + cfg.toYaml());
    }

    private ObjectNode read() {
        try {
            return (ObjectNode) JSON.readTree(file.toFile());
        } catch (IOException | ClassCastException e) {
            throw new UserInputException(file + ": unreadable (" + e.getMessage() + ")");
        }
    }

    private static void write(Path file, String text) {
        AtomicFile.write(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
