package dev.ouroboros.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordLevelTokenizerTest {
    @TempDir Path tmp;

    @Test
    void loadsInOptTokenizerWithOptSpecialIds() {
        WordLevelTokenizer.write(tmp, List.of("the", "kavo", "mip", ".", ","));
        try (OptTokenizer tok = OptTokenizer.load(tmp)) {
            assertEquals(2, tok.bosId());
            assertEquals(1, tok.padId());
            assertEquals(10, tok.vocabSize());
            assertEquals(3, tok.specialTokens().unkId());
            assertArrayEquals(new long[] {2, 5, 6, 7, 8, 4}, tok.encode("the kavo mip .\n"));
            assertArrayEquals(new long[] {5, 3, 9, 6}, tok.encodeNoSpecial("the  zork ,\tkavo"));
            assertEquals("the kavo mip .", tok.decode(tok.encode("the kavo mip .")));
            assertEquals("the kavo \n mip", tok.decode(tok.encode("the kavo\nmip")));
        }
    }

    @Test
    void groundTruthCorpusRoundTrips() {
        GroundTruthLanguage lang = new GroundTruthLanguage(GroundTruthLanguage.Config.defaults(1));
        WordLevelTokenizer.write(tmp, lang.vocabulary());
        try (OptTokenizer tok = OptTokenizer.load(tmp)) {
            assertEquals(lang.vocabulary().size() + 5, tok.vocabSize());
            for (String line : lang.sample(300, 5)) {
                long[] ids = tok.encode(line);
                assertEquals(2, ids[0]);
                assertEquals(WordLevelTokenizer.NEWLINE_ID, ids[ids.length - 1]);
                for (long id : ids) {
                    assertEquals(true, id != 3, "no <unk> in " + line);
                }
                String body = line.substring(0, line.length() - 1);
                assertEquals(body, tok.decode(tok.encode(body)));
            }
        }
    }

    @Test
    void rejectsBadWords() {
        assertThrows(IllegalArgumentException.class, () -> WordLevelTokenizer.spec(List.of("a b")));
        assertThrows(
                IllegalArgumentException.class, () -> WordLevelTokenizer.spec(List.of("a", "a")));
        assertThrows(
                IllegalArgumentException.class, () -> WordLevelTokenizer.spec(List.of("<unk>")));
    }
}
