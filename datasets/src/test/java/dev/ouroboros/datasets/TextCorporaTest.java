package dev.ouroboros.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextCorporaTest {
    @TempDir Path tmp;

    @Test
    void jsonlDocumentsGetNewlines() throws IOException {
        Path f = tmp.resolve("d.jsonl");
        Files.writeString(f, "{\"text\": \"one\"}\n\n{\"text\": \"two\\nlines\\n\", \"id\": 3}\n");
        assertEquals(List.of("one\n", "two\nlines\n"), TextCorpora.readJsonl(f));
    }

    @Test
    void jsonlErrorsNameFileAndLine() throws IOException {
        Path f = tmp.resolve("bad.jsonl");
        Files.writeString(f, "{\"text\": \"ok\"}\n{\"text\": oops}\n");
        UserInputException e =
                assertThrows(UserInputException.class, () -> TextCorpora.readJsonl(f));
        assertTrue(e.getMessage().startsWith(f + ":2: malformed JSON"), e.getMessage());

        Files.writeString(f, "{\"text\": \"ok\"}\n{\"body\": \"x\"}\n");
        e = assertThrows(UserInputException.class, () -> TextCorpora.readJsonl(f));
        assertEquals(f + ":2: no \"text\" field", e.getMessage());

        Files.writeString(f, "[1]\n");
        e = assertThrows(UserInputException.class, () -> TextCorpora.readJsonl(f));
        assertTrue(e.getMessage().startsWith(f + ":1: expected a JSON object"), e.getMessage());

        Files.writeString(f, "\n\n{\"text\": 5}\n");
        e = assertThrows(UserInputException.class, () -> TextCorpora.readJsonl(f));
        assertEquals(f + ":3: \"text\" is number, not a string", e.getMessage());
    }

    @Test
    void singleFileSplitsDeterministicallyByFraction() throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            lines.add("line " + i + "\n");
        }
        Path f = tmp.resolve("all.txt");
        Files.writeString(f, String.join("", lines));
        Corpus a = TextCorpora.load(f, 0.1, 0.05, 7);
        Corpus b = TextCorpora.load(f, 0.1, 0.05, 7);
        assertEquals(a, b);
        assertEquals(2000, a.train().size() + a.validation().size() + a.test().size());
        assertTrue(
                Math.abs(a.validation().size() - 200) < 60, "validation " + a.validation().size());
        assertTrue(Math.abs(a.test().size() - 100) < 45, "test " + a.test().size());
        Corpus c = TextCorpora.load(f, 0.1, 0.05, 8);
        assertTrue(!a.validation().equals(c.validation()));
        // order within a split is preserved
        List<String> t = a.train().lines();
        for (int i = 1; i < t.size(); i++) {
            assertTrue(index(t.get(i - 1)) < index(t.get(i)));
        }
    }

    private static int index(String line) {
        return Integer.parseInt(line.trim().substring(5));
    }

    @Test
    void directoryWithSplitFiles() throws IOException {
        Files.writeString(tmp.resolve("train.txt"), "a\nb\n\nc");
        Files.writeString(tmp.resolve("valid.jsonl"), "{\"text\": \"v\"}\n");
        Files.writeString(tmp.resolve("test.txt"), "t\n");
        Corpus c = TextCorpora.load(tmp, 0.1, 0.1, 1);
        assertEquals(List.of("a\n", "b\n", "\n", "c"), c.train().lines());
        assertEquals("v\n", c.validation().text());
        assertEquals("t\n", c.test().text());

        Files.writeString(tmp.resolve("test.jsonl"), "{\"text\": \"t\"}\n");
        UserInputException e =
                assertThrows(UserInputException.class, () -> TextCorpora.load(tmp, 0.1, 0.1, 1));
        assertTrue(e.getMessage().contains("ambiguous"), e.getMessage());
    }

    @Test
    void missingFileIsUserError() {
        Path f = tmp.resolve("nope.txt");
        UserInputException e =
                assertThrows(UserInputException.class, () -> TextCorpora.load(f, 0.1, 0.1, 1));
        assertEquals(f + ": no such file", e.getMessage());
    }
}
