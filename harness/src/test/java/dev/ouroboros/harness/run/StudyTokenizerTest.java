package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.datasets.GroundTruthLanguage;
import dev.ouroboros.datasets.WordLevelTokenizer;
import dev.ouroboros.harness.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A study given a word-level tokenizer that lost its unknown token once tokenized the corpus until
 * the first word outside the vocabulary and died with a Rust error and a stack trace; now the run
 * stops before any data is prepared, in one line naming the tokenizer.
 */
class StudyTokenizerTest {
    @TempDir Path tmp;

    @Test
    void aTokenizerWithoutItsUnknownTokenStopsTheRunInOneLine() throws Exception {
        Path tok = tmp.resolve("tok");
        Files.createDirectories(tok);
        ObjectNode spec =
                WordLevelTokenizer.spec(
                        new GroundTruthLanguage(GroundTruthLanguage.Config.defaults(1))
                                .vocabulary()
                                .subList(0, 20));
        ((ObjectNode) spec.get("model").get("vocab")).remove("<unk>");
        Files.write(tok.resolve("tokenizer.json"), new ObjectMapper().writeValueAsBytes(spec));
        List<String> args =
                new ArrayList<>(
                        StudyTestSupport.runArgs(StudyTestSupport.tiny(tmp.resolve("runs"))));
        args.add("model.tokenizer=" + tok);
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(2, r.exitCode(), r.err());
        assertTrue( // the plan names the tokenizer, then its file says what is wrong
                r.err()
                        .startsWith(
                                "ouro: tokenizer "
                                        + tok
                                        + ": "
                                        + tok.resolve("tokenizer.json")
                                        + ": the unknown token <unk> (model.unk_token) is not in the"
                                        + " tokenizer's vocabulary"),
                r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(tmp.resolve("runs/study")), "the plan refused before the run dir");
    }
}
