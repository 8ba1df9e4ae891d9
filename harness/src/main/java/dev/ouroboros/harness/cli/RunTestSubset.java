package dev.ouroboros.harness.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.run.StudyData;
import dev.ouroboros.models.Devices;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code ouro eval --run RUN_DIR --model M}: any checkpoint scored on the test subset a run's
 * generations were scored on (its config, its data seed, its block size), so that a base, or a
 * model from elsewhere, is comparable with the run's {@code ppl_blocks<B>} rows. The blocks are
 * checked against the manifest's record of the run's test subset.
 */
final class RunTestSubset {
    private RunTestSubset() {}

    static ObjectNode score(EvalCommand c, Path run, Long seedOption) throws IOException {
        Path resolved = run.resolve("config.resolved.yaml");
        if (!Files.isRegularFile(resolved)) {
            throw new UserInputException(run + ": not a run directory (no config.resolved.yaml)");
        }
        RunConfig cfg = RunConfig.load(resolved, List.of());
        if (cfg.kind() != RunConfig.Kind.LM) {
            throw new UserInputException(run + ": a " + cfg.kind() + " run has no test text");
        }
        long seed = seedOption != null ? seedOption : cfg.seeds().get(0);
        if (!cfg.seeds().contains(seed)) {
            throw new UserInputException("--seed " + seed + ": the run's seeds are " + cfg.seeds());
        }
        StudyData all = StudyData.prepare(cfg, run.resolve("data"));
        try {
            StudyData data = all.forSeed(cfg, seed);
            String sha = data.chosen().get("test").describe().get("sha256").asText();
            String recorded = recordedTestSha(run, cfg, seed);
            if (recorded != null && !recorded.equals(sha)) {
                throw new UserInputException(
                        run
                                + ": the data now gives another test subset (sha256 "
                                + sha
                                + ") than the run recorded ("
                                + recorded
                                + "); were the corpus files changed?");
            }
            ObjectNode out = new ObjectMapper().createObjectNode();
            try (LanguageModel m = LanguageModel.load(c.model, c.device.fp32(EvalCommand.class))) {
                m.requireVocabulary(data.tokenizer(), c.model.toString());
                out.put("model", c.model.toString());
                out.put("run", run.toString());
                out.put("seed", seed);
                out.put("test_subset_sha256", sha);
                out.put("device", Devices.describe(m.device()));
                out.put("parameters", m.parameterCount());
                out.put("protocol", c.protocol.name());
                if (c.protocol == EvalCommand.Protocol.blocks) {
                    c.blocks(m, data.test().toTokenBlocks(), out);
                } else {
                    c.rolling(
                            m,
                            data.tokenizer(),
                            data.testText(),
                            m.config().maxPositionEmbeddings(),
                            out);
                }
            }
            return out;
        } finally {
            all.tokenizer().close();
        }
    }

    /** The test subset's sha256 the manifest recorded for {@code seed}, or null. */
    private static String recordedTestSha(Path run, RunConfig cfg, long seed) throws IOException {
        Path manifest = run.resolve("manifest.json");
        if (!Files.isRegularFile(manifest)) {
            return null;
        }
        JsonNode m = new ObjectMapper().readTree(manifest.toFile());
        JsonNode subsets =
                cfg.data().subsetSeed() == RunConfig.Data.SubsetSeed.SEED
                        ? m.path("data_subsets_by_seed").path(String.valueOf(seed))
                        : m.path("data_subsets");
        JsonNode sha = subsets.path("test").path("sha256");
        return sha.isTextual() ? sha.asText() : null;
    }
}
