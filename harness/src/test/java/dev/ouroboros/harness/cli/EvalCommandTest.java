package dev.ouroboros.harness.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.harness.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ouro eval} end to end: JSON on stdout, and one clean line with exit code 2 for bad input.
 */
class EvalCommandTest {
    static final Path GOLDEN =
            Path.of("../models/src/test/resources/golden").toAbsolutePath().normalize();
    static final Path MODEL = GOLDEN.resolve("pre_ln_tied_safetensors/model");
    static final Path TEXT = GOLDEN.resolve("eval.txt");

    @Test
    void blocksJsonMatchesTheReference() throws IOException {
        CliRun r = eval("--block", "16", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode got = new ObjectMapper().readTree(r.out());
        JsonNode exp =
                new ObjectMapper()
                        .readTree(GOLDEN.resolve("pre_ln_tied_safetensors/expected.json").toFile())
                        .at("/eval/blocks");
        assertEquals(exp.get("n_blocks").asLong(), got.get("n_blocks").asLong());
        assertEquals(exp.get("n_predictions").asLong(), got.get("n_predictions").asLong());
        double ppl = exp.get("perplexity").asDouble();
        assertEquals(ppl, got.get("perplexity").asDouble(), 1e-5 * ppl);
        assertEquals(1, r.out().strip().lines().count(), "exactly one JSON line on stdout");
        // the names metrics.jsonl uses (it once said ppl_blocks/v1 here, ppl_blocks16/v1 there)
        assertEquals("ppl_blocks16/v1", got.get("metric").asText());
        assertEquals(got.get("perplexity").asDouble(), got.at("/metrics/ppl_blocks16").asDouble());
    }

    @Test
    void maxBlocksLimitsTheWorkAndRollingReportsAllThreePerplexities() throws IOException {
        CliRun r = eval("--block", "16", "--max-blocks", "3", "--json");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(3, new ObjectMapper().readTree(r.out()).get("n_blocks").asInt());

        CliRun roll = eval("--protocol", "rolling", "--window", "32", "--json");
        assertEquals(0, roll.exitCode(), roll.err());
        JsonNode j = new ObjectMapper().readTree(roll.out());
        assertEquals(
                j.get("token_perplexity").asDouble(),
                j.at("/metrics/ppl_rolling_token").asDouble());
        assertEquals(
                "[\"ppl_rolling_token/v1\",\"ppl_rolling_word/v1\",\"ppl_rolling_byte/v1\",\"bits_per_byte/v1\"]",
                j.get("metric_ids").toString());
        for (String k :
                new String[] {
                    "token_perplexity",
                    "word_perplexity",
                    "byte_perplexity",
                    "bits_per_byte",
                    "nll_sum",
                    "n_tokens",
                    "n_words",
                    "n_bytes"
                }) {
            assertTrue(j.has(k), k);
        }
        assertEquals(
                Math.exp(j.get("nll_sum").asDouble() / j.get("n_bytes").asDouble()),
                j.get("byte_perplexity").asDouble(),
                1e-9);
    }

    @Test
    void tableWithoutJson() {
        CliRun r = eval("--block", "16");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("perplexity"), r.out());
    }

    @Test
    void truncatedWeightsGiveOneLineAndExitCode2(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp);
        Path st = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(st);
        Files.write(st, java.util.Arrays.copyOf(all, all.length / 2));
        assertBadInput(
                CliRun.of("eval", "--model", dir.toString(), "--text", TEXT.toString()),
                "model.safetensors");
    }

    @Test
    void configThatDisagreesWithTheWeightsIsNamed(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp);
        Path cfg = dir.resolve("config.json");
        Files.writeString(
                cfg, Files.readString(cfg).replace("\"ffn_dim\": 128", "\"ffn_dim\": 96"));
        CliRun r = CliRun.of("eval", "--model", dir.toString(), "--text", TEXT.toString());
        assertBadInput(r, "fc1.weight");
    }

    @Test
    void missingRequiredConfigKeyIsNamed(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp);
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replaceAll("\"hidden_size\": \\d+,", ""));
        assertBadInput(
                CliRun.of("eval", "--model", dir.toString(), "--text", TEXT.toString()),
                "hidden_size");
    }

    /**
     * A tokenizer.json beside the weights that lacks its unknown token, or whose ids run past the
     * model's 1000 embedding rows (a gap: 993 ids, the largest 1500), is named in one line by eval
     * and generate; the gap once passed the size check and failed in the embedding lookup.
     */
    @Test
    void aTokenizerWithoutItsUnknownTokenOrWithIdsBeyondTheModelIsOneLine(@TempDir Path tmp)
            throws IOException {
        Path dir = copyModel(tmp);
        CliRun ok = CliRun.of("eval", "--model", dir.toString(), "--text", TEXT.toString());
        assertEquals(0, ok.exitCode(), ok.err());
        ObjectMapper json = new ObjectMapper();
        try (dev.ouroboros.models.tokenizer.OptTokenizer tok =
                dev.ouroboros.models.tokenizer.OptTokenizer.load(dir)) {
            tok.save(dir.resolve("saved"));
        }
        Path file = dir.resolve("tokenizer.json");
        com.fasterxml.jackson.databind.node.ObjectNode spec =
                (com.fasterxml.jackson.databind.node.ObjectNode)
                        json.readTree(dir.resolve("saved/tokenizer.json").toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) spec.get("model"))
                .put("unk_token", "<nope>");
        Files.write(file, json.writeValueAsBytes(spec));
        CliRun r = CliRun.of("eval", "--model", dir.toString(), "--text", TEXT.toString());
        assertBadInput(r, file + ": the unknown token <nope> (model.unk_token) is not in");

        ((com.fasterxml.jackson.databind.node.ObjectNode) spec.get("model")).putNull("unk_token");
        ((com.fasterxml.jackson.databind.node.ObjectNode) spec.at("/model/vocab"))
                .put("\u0120the", 1500); // " the": id 263 becomes 1500
        Files.write(file, json.writeValueAsBytes(spec));
        String gap =
                dir
                        + ": the tokenizer's ids reach 1500 (its 993 ids have gaps), outside the"
                        + " model's vocab_size 1000";
        assertBadInput(
                CliRun.of("eval", "--model", dir.toString(), "--text", TEXT.toString()), gap);
        assertBadInput(
                CliRun.of(
                        "generate",
                        "--model",
                        dir.toString(),
                        "--prompts",
                        TEXT.toString(),
                        "--out",
                        tmp.resolve("s.bin").toString()),
                gap);
    }

    @Test
    void badOptionsAndFiles() {
        assertBadInput(
                CliRun.of("eval", "--model", "/nonexistent", "--text", TEXT.toString()),
                "/nonexistent");
        assertBadInput(
                CliRun.of("eval", "--model", MODEL.toString(), "--text", "/nonexistent.txt"),
                "/nonexistent.txt");
        assertBadInput(eval("--block", "1"), "--block");
        assertBadInput(eval("--block", "4096"), "context");
        assertBadInput(eval("--device", "cuda"), "CUDA");
        assertEquals(2, CliRun.of("eval", "--text", TEXT.toString()).exitCode());
    }

    /** {@code ouro eval --model MODEL --text TEXT extra…}. */
    static CliRun eval(String... extra) {
        List<String> a =
                new ArrayList<>(
                        List.of("eval", "--model", MODEL.toString(), "--text", TEXT.toString()));
        a.addAll(List.of(extra));
        return CliRun.of(a.toArray(String[]::new));
    }

    static void assertBadInput(CliRun r, String culprit) {
        assertEquals(2, r.exitCode(), r.err());
        String firstLine = r.err().lines().findFirst().orElse("");
        assertTrue(firstLine.startsWith("ouro: ") && firstLine.contains(culprit), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertTrue(r.out().isEmpty(), "nothing on stdout: " + r.out());
    }

    static Path copyModel(Path tmp) throws IOException {
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(MODEL)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.copy(p, dir.resolve(p.getFileName()));
            }
        }
        return dir;
    }
}
