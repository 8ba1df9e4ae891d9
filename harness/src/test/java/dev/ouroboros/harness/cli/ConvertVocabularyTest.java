package dev.ouroboros.harness.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.ouroboros.harness.CliRun;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23, item 7: {@code ouro convert} refuses a checkpoint whose tokenizer has more ids than the
 * model's embedding (it wrote the pair out as if it were usable).
 */
class ConvertVocabularyTest {
    static final Path TOKENIZER =
            Path.of("../models/src/test/resources/golden/pre_ln_tied_safetensors/model")
                    .toAbsolutePath()
                    .normalize();

    @TempDir Path tmp;

    @Test
    void aTokenizerLargerThanTheModelIsRefused() throws Exception {
        Path src = tmp.resolve("small-vocab");
        try (LanguageModel m =
                LanguageModel.random(OptConfig.tiny(100, 32, 1, 4, 64, 32), 1, Device.cpu())) {
            m.save(src);
        }
        for (String f :
                List.of(
                        "vocab.json",
                        "merges.txt",
                        "special_tokens_map.json",
                        "tokenizer_config.json")) {
            Files.copy(TOKENIZER.resolve(f), src.resolve(f));
        }
        Path out = tmp.resolve("converted");
        CliRun r = CliRun.of("convert", "--model", src.toString(), "--out", out.toString());
        assertEquals(2, r.exitCode(), r.out() + r.err());
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(
                lines.get(0).startsWith("ouro: " + src + " (its tokenizer): the tokenizer has "),
                lines.get(0));
        assertTrue(
                lines.get(0).contains("ids, more than the model's vocab_size 100"), lines.get(0));
        assertFalse(Files.exists(out.resolve("tokenizer.json")), "the tokenizer was written");
    }
}
