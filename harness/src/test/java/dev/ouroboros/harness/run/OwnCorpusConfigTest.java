package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.datasets.GroundTruthLanguage;
import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.harness.CliRun;
import dev.ouroboros.harness.config.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * configs/own-corpus.yaml runs as its first line says on a generated text directory, shrunk to
 * seconds by overrides that leave its data setup alone (text directory, BPE trained on it, random
 * subsets).
 */
class OwnCorpusConfigTest {
    static final Path CONFIG = ShippedConfigsTest.CONFIGS.resolve("own-corpus.yaml");

    @Test
    void theConfigRunsOnATextDirectory(@TempDir Path tmp) throws Exception {
        Path texts = tmp.resolve("texts");
        Files.createDirectories(texts);
        GroundTruthLanguage lang = new GroundTruthLanguage(GroundTruthLanguage.Config.defaults(5));
        Files.writeString(texts.resolve("train.txt"), String.join("", lang.sample(500, 1)));
        Files.writeString(texts.resolve("validation.txt"), String.join("", lang.sample(80, 2)));
        Files.writeString(texts.resolve("test.txt"), String.join("", lang.sample(80, 3)));

        String first = Files.readAllLines(CONFIG).get(0);
        List<String> command = List.of(first.substring(2).split("\\s+"));
        assertEquals(
                List.of(
                        "scripts/ouro",
                        "run",
                        "configs/own-corpus.yaml",
                        "data.path=/path/to/texts"),
                command);
        RunConfig shipped = RunConfig.load(CONFIG, List.of("data.path=" + texts));
        assertEquals(
                "text", dev.ouroboros.harness.config.ConfigWords.word(shipped.data().corpus()));
        assertEquals("bpe:8000", shipped.model().tokenizer());
        assertEquals(
                "random", dev.ouroboros.harness.config.ConfigWords.word(shipped.data().subset()));
        assertTrue(shipped.data().maxTrainBlocks() > 0);

        List<String> args = new ArrayList<>(List.of("run", CONFIG.toString()));
        args.add("data.path=" + texts); // the first line's override, with a real directory
        args.addAll(
                List.of(
                        "out=" + tmp,
                        "device=cpu",
                        "model.tokenizer=bpe:300", // the model pads to 304: ids 300-303 never
                        // sampled
                        "model.hidden_size=32",
                        "model.num_hidden_layers=1",
                        "model.num_attention_heads=2",
                        "model.ffn_dim=64",
                        "model.max_position_embeddings=64",
                        "data.block_size=16",
                        "generate.new_tokens=16",
                        "data.max_train_blocks=24",
                        "data.max_validation_blocks=8",
                        "data.max_test_blocks=8",
                        "generations=2",
                        "policies=[replace]",
                        "seeds=[0]",
                        "train.epochs=1",
                        "train.batch_size=8",
                        "train.micro_batch_size=8",
                        "schedule.warmup_steps=0",
                        "generate.batch_size=8",
                        "eval.batch_size=8",
                        "train.eval_batch_size=8",
                        "eval.diversity_prompts=2",
                        "eval.self_bleu_samples=2"));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.out() + r.err());

        Path run = tmp.resolve("own-corpus");
        // the tokenizer was trained on the train split
        JsonNode vocab =
                new ObjectMapper()
                        .readTree(run.resolve("data/tokenizer-bpe-300/vocab.json").toFile());
        assertEquals(300, vocab.size());
        // metrics of every generation: test perplexity each, and the diversity of what it wrote
        List<MetricsRow> rows = MetricsLog.read(run.resolve("metrics.jsonl")).rows();
        for (int gen = 0; gen < 2; gen++) {
            int g = gen;
            assertTrue(
                    rows.stream()
                            .anyMatch(
                                    x ->
                                            x.generation() == g
                                                    && x.split().equals("test")
                                                    && x.metrics().get("ppl_blocks16") > 1),
                    "gen " + g + " test row: " + rows);
            assertTrue(
                    rows.stream()
                            .anyMatch(x -> x.generation() == g && x.split().equals("generated")),
                    "gen " + g + " generated row");
        }
        assertTrue(Files.exists(run.resolve("policy=replace/seed=0/gen=001/DONE")));
        // D0 and the evaluation splits are random samples of the whole splits
        JsonNode subsets =
                new ObjectMapper()
                        .readTree(run.resolve("manifest.json").toFile())
                        .get("data_subsets");
        for (String split : List.of("train", "validation", "test")) {
            JsonNode s = subsets.get(split);
            assertEquals("random", s.get("subset").asText(), split);
            assertTrue(s.get("of").asInt() > s.get("blocks").asInt(), split + ": " + s);
        }
        assertEquals(24, subsets.get("train").get("blocks").asInt());
        try (Stream<Path> s = Files.list(run.resolve("data/blocks"))) {
            assertEquals(3, s.count(), "train, validation and test blocks in the run directory");
        }
    }
}
