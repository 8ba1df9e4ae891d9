package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.eval.diversity.CompressionRatio;
import dev.ouroboros.eval.syntax.ParsedSentence;
import dev.ouroboros.eval.syntax.SyntaxParser;
import dev.ouroboros.eval.syntax.corenlp.CoreNlpModels;
import dev.ouroboros.models.UserInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-split syntax metrics, with a stand-in parser (CoreNlpParserTest checks the real one). */
class SyntaxEvalTest {
    /** Every whitespace token a NOUN, all attached to the first: one "sentence" per text. */
    static final class FlatParser implements SyntaxParser {
        final List<String> seen = new ArrayList<>();

        @Override
        public List<ParsedSentence> parse(String text) {
            seen.add(text);
            String[] w = text.split(" ");
            int[] heads = new int[w.length];
            List<String> rel = new ArrayList<>();
            for (int i = 0; i < w.length; i++) {
                heads[i] = i == 0 ? -1 : 0;
                rel.add(i == 0 ? "root" : "dep");
            }
            List<String> tags = java.util.Collections.nCopies(w.length, "NN");
            List<String> upos = java.util.Collections.nCopies(w.length, "NOUN");
            return List.of(new ParsedSentence(List.of(w), tags, upos, heads, rel));
        }

        @Override
        public String describe() {
            return "flat";
        }
    }

    static final List<String> TEXTS = List.of("a b c", "d e", "f g h i");

    @Test
    void withoutAParserOnlyTheCompressionRatio() {
        Map<String, Double> m = SyntaxEval.metrics(TEXTS, null, 3000, 1);
        assertEquals(List.of("cr"), List.copyOf(m.keySet()));
        assertEquals(CompressionRatio.of(TEXTS), m.get("cr"), 0.0);
    }

    @Test
    void withAParserEveryTextIsParsedOnce() {
        FlatParser p = new FlatParser();
        Map<String, Double> m = SyntaxEval.metrics(TEXTS, p, 3000, 1);
        assertEquals(TEXTS, p.seen);
        assertEquals(List.of("cr", "cr_pos", "syntactic_wl2"), List.copyOf(m.keySet()));
        assertEquals(
                CompressionRatio.of(List.of("NN NN NN", "NN NN", "NN NN NN NN")),
                m.get("cr_pos"),
                0.0);
        // stars of 3, 2 and 4 NOUNs differ only in their degrees: 0 < diversity < 1
        assertTrue(m.get("syntactic_wl2") > 0 && m.get("syntactic_wl2") < 1, m.toString());
        // one sentence cannot be compared with another: no syntactic_wl2
        assertEquals(
                List.of("cr", "cr_pos"),
                List.copyOf(SyntaxEval.metrics(List.of("a b"), p, 3000, 1).keySet()));
    }

    @Test
    void missingModelsAreOneLine(@TempDir Path empty) {
        UserInputException e =
                org.junit.jupiter.api.Assertions.assertThrows(
                        UserInputException.class, () -> SyntaxEval.parser(empty));
        assertEquals("eval.syntactic: " + CoreNlpModels.status(empty), e.getMessage());
        assertTrue(e.getMessage().contains("ouro setup corenlp"), e.getMessage());
    }

    @Test
    void theModelsDirectoryFollowsTheEnvironment() {
        Path home = Path.of("/home/u");
        assertEquals(
                Path.of("/home/u/.cache/ouroboros/corenlp/" + CoreNlpModels.VERSION),
                SyntaxModels.dir(Map.of(), home));
        assertEquals(
                Path.of("/c/corenlp/" + CoreNlpModels.VERSION),
                SyntaxModels.dir(Map.of("OURO_CACHE", "/c"), home));
        assertEquals(
                Path.of("/home/u/.cache/ouroboros/corenlp/" + CoreNlpModels.VERSION),
                SyntaxModels.dir(Map.of("OURO_CACHE", "off"), home));
        assertEquals(
                Path.of("/m"),
                SyntaxModels.dir(Map.of("OURO_CORENLP", "/m", "OURO_CACHE", "/c"), home));
    }
}
