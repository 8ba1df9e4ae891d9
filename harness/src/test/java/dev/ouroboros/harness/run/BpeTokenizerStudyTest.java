package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.harness.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code model.tokenizer: bpe:N} trains a byte-level BPE on a user's text corpus and the study runs
 * with it.
 */
class BpeTokenizerStudyTest {
    @Test
    void textCorpusWithATrainedBpe(@TempDir Path tmp) throws Exception {
        Path corpus = tmp.resolve("corpus.txt");
        Files.writeString(
                corpus,
                Files.readString(Path.of("../models/src/test/resources/golden/eval.txt"))
                        .repeat(4));
        CliRun r =
                CliRun.of(
                        "run",
                        StudyTestSupport.SMOKE.toString(),
                        "out=" + tmp,
                        "name=bpe",
                        "data.corpus=text",
                        "data.path=" + corpus,
                        "data.validation_fraction=0.2",
                        "data.test_fraction=0.2",
                        "model.tokenizer=bpe:400",
                        "data.block_size=16",
                        "generate.new_tokens=16",
                        "generations=1",
                        "policies=[replace]",
                        "seeds=[0]",
                        "train.epochs=1",
                        "eval.diversity_prompts=2");
        assertEquals(0, r.exitCode(), r.err());
        Path vocab = tmp.resolve("bpe/data/tokenizer-bpe-400/vocab.json");
        assertEquals(400, new ObjectMapper().readTree(vocab.toFile()).size());
        assertTrue(Files.exists(tmp.resolve("bpe/policy=replace/seed=0/gen=000/DONE")));
        assertTrue(
                Files.readString(tmp.resolve("bpe/policy=replace/seed=0/gen=000/model/config.json"))
                        .contains("\"vocab_size\" : 400"));
    }
}
