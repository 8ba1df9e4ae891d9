package dev.ouroboros.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23, item 7: a corpus that is one very long line showed no output for minutes while it was
 * tokenized. {@link LongLines} encodes it in pieces, with progress, to the very same ids as one
 * call.
 */
class LongLinesTest {
    static final Path GOLDEN =
            Path.of("../models/src/test/resources/golden").toAbsolutePath().normalize();

    @TempDir Path tmp;

    /** The golden eval text (punctuation, digits, double spaces) made one line. */
    private static String oneLine() throws Exception {
        String text = Files.readString(GOLDEN.resolve("eval.txt"));
        return (text.replace('\n', ' ') + "  x  ,y'll 12 3\t4 ").repeat(20);
    }

    private static void samePiecewise(OptTokenizer tok, String line) {
        List<String> progress = new ArrayList<>();
        long[] pieces = LongLines.encode(tok, line, 2000, progress::add);
        assertArrayEquals(tok.encode(line), pieces);
        assertTrue(progress.size() >= 10, progress.toString()); // the start and every tenth
        assertTrue(progress.get(0).contains("in pieces of about 2000 characters"), progress.get(0));
        assertTrue(
                progress.contains(progress.get(0).split(" in pieces")[0] + ": 50%"),
                progress.toString());
    }

    @Test
    void aLongLineEncodesToTheSameIdsInPiecesWithProgress() throws Exception {
        String line = oneLine();
        assertTrue(line.length() > 20_000, "" + line.length());
        try (OptTokenizer gpt2 =
                OptTokenizer.load(GOLDEN.resolve("pre_ln_tied_safetensors/model"))) {
            samePiecewise(gpt2, line);
        }
        WordLevelTokenizer.write(tmp.resolve("words"), List.of("a", "b", "c", "d", "e"));
        try (OptTokenizer words = OptTokenizer.load(tmp.resolve("words"))) {
            samePiecewise(words, "a b  c d e x ".repeat(3000));
        }
    }

    @Test
    void aShortLineIsOneCallWithoutProgress() throws Exception {
        try (OptTokenizer gpt2 =
                OptTokenizer.load(GOLDEN.resolve("pre_ln_tied_safetensors/model"))) {
            List<String> progress = new ArrayList<>();
            assertArrayEquals(
                    gpt2.encode("a short line"),
                    LongLines.encode(gpt2, "a short line", 2000, progress::add));
            assertEquals(List.of(), progress);
        }
    }

    @Test
    void piecesEndBeforeASingleSpaceBetweenWords() {
        assertEquals(8, LongLines.cut("abcd  ef gh", 2)); // not inside the double space
        assertEquals(8, LongLines.cut("abcd  ef gh", 8));
        assertEquals(11, LongLines.cut("abcd  ef gh", 9));
    }
}
