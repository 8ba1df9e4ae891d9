package dev.ouroboros.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link OptTokenizer} against transformers' ids in {@code golden/tokenizer/expected.json}. */
class OptTokenizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One golden entry: text, HF ids (with BOS) and HF decode(skip_special_tokens=True). */
    record Golden(String text, long[] ids, String decoded) {
        @Override
        public String toString() {
            return JSON.valueToTree(text).toString();
        }
    }

    static Path golden(String name) {
        try {
            return Path.of(OptTokenizerTest.class.getResource("/golden/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Golden> goldenCases() throws IOException {
        List<Golden> cases = new ArrayList<>();
        for (JsonNode c : JSON.readTree(golden("tokenizer/expected.json").toFile())) {
            long[] ids = new long[c.get("ids").size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = c.get("ids").get(i).longValue();
            }
            cases.add(new Golden(c.get("text").asText(), ids, c.get("decoded").asText()));
        }
        return cases;
    }

    static Stream<Arguments> pathsAndCases() throws IOException {
        List<Golden> cases = goldenCases();
        return Stream.of("tokenizer", "tokenizer_json")
                .flatMap(dir -> cases.stream().map(c -> Arguments.of(dir, c)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("pathsAndCases")
    void matchesTransformers(String dir, Golden golden) {
        try (OptTokenizer tok = OptTokenizer.load(golden(dir))) {
            assertArrayEquals(golden.ids(), tok.encode(golden.text()), "encode");
            assertArrayEquals(
                    Arrays.copyOfRange(golden.ids(), 1, golden.ids().length),
                    tok.encodeNoSpecial(golden.text()),
                    "encodeNoSpecial");
            assertEquals(golden.decoded(), tok.decode(golden.ids()), "decode");
        }
    }

    @Test
    void goldenCoversTheHardCases() throws IOException {
        List<String> texts = goldenCases().stream().map(Golden::text).toList();
        assertTrue(
                texts.containsAll(List.of("", "\n", " \n", "\n\n", "\t", "don't", "I'll")),
                texts::toString);
    }

    @ParameterizedTest
    @MethodSource("tokenizerDirs")
    void specialTokensAndVocabSize(String dir) throws IOException {
        int vocabEntries = JSON.readTree(golden("tokenizer/vocab.json").toFile()).size();
        try (OptTokenizer tok = OptTokenizer.load(golden(dir))) {
            assertAll(
                    () -> assertEquals(2, tok.bosId()),
                    () -> assertEquals(2, tok.eosId()),
                    () -> assertEquals(1, tok.padId()),
                    () -> assertEquals("</s>", tok.specialTokens().bos()),
                    () -> assertEquals("<pad>", tok.specialTokens().pad()),
                    () -> assertEquals(vocabEntries, tok.vocabSize()));
        }
    }

    static Stream<String> tokenizerDirs() {
        return Stream.of("tokenizer", "tokenizer_json");
    }

    /** The golden tokenizer as a tokenizer.json tree (saved to {@code dir} first). */
    static ObjectNode savedSpec(Path dir) throws IOException {
        try (OptTokenizer tok = OptTokenizer.load(golden("tokenizer"))) {
            tok.save(dir);
        }
        Files.delete(dir.resolve("tokenizer_config.json"));
        Files.delete(dir.resolve("special_tokens_map.json"));
        return (ObjectNode) JSON.readTree(dir.resolve("tokenizer.json").toFile());
    }

    @Test
    void aTokenizerWithoutItsUnknownTokenIsOneLine(@TempDir Path tmp) throws IOException {
        ObjectNode spec = savedSpec(tmp);
        ((ObjectNode) spec.get("model")).put("unk_token", "<nope>");
        Path file = tmp.resolve("tokenizer.json");
        Files.write(file, JSON.writeValueAsBytes(spec));
        UserInputException e = assertThrows(UserInputException.class, () -> OptTokenizer.load(tmp));
        assertEquals(
                file
                        + ": the unknown token <nope> (model.unk_token) is not in the tokenizer's"
                        + " vocabulary, so any word outside the vocabulary would fail to encode",
                e.getMessage());

        // the word-level tokenizer of a ground-truth run with <unk> lost from its vocabulary: it
        // loaded, and its first unknown word failed in the Rust tokenizer with a stack trace
        ObjectNode wordLevel = JSON.createObjectNode().put("type", "WordLevel");
        wordLevel.putObject("vocab").put("</s>", 0).put("<pad>", 1).put("the", 2);
        wordLevel.put("unk_token", "<unk>");
        spec.set("model", wordLevel);
        spec.putNull("pre_tokenizer");
        spec.putNull("decoder");
        spec.putArray("added_tokens");
        Files.write(file, JSON.writeValueAsBytes(spec));
        e = assertThrows(UserInputException.class, () -> OptTokenizer.load(tmp));
        assertTrue(e.getMessage().startsWith(file + ": the unknown token <unk>"), e.getMessage());
        ((ObjectNode) wordLevel.get("vocab")).put("<unk>", 3);
        Files.write(file, JSON.writeValueAsBytes(spec));
        try (OptTokenizer tok = OptTokenizer.load(tmp)) {
            assertEquals(4, tok.vocabSize());
        }
    }

    @Test
    void idsWithGapsReportTheirLargestId(@TempDir Path tmp) throws IOException {
        ObjectNode spec = savedSpec(tmp);
        int entries = spec.path("model").path("vocab").size();
        ObjectNode vocab = (ObjectNode) spec.path("model").path("vocab");
        assertEquals(263, vocab.get("\u0120the").intValue());
        vocab.put("\u0120the", 4999); // " the" moves to 4999, leaving 263 unused
        Files.write(tmp.resolve("tokenizer.json"), JSON.writeValueAsBytes(spec));
        try (OptTokenizer tok = OptTokenizer.load(tmp)) {
            assertEquals(entries, tok.vocabSize());
            assertEquals(5000, tok.idLimit());
            assertArrayEquals(new long[] {2, 4999}, tok.encode(" the"));
        }
        try (OptTokenizer tok = OptTokenizer.load(golden("tokenizer"))) {
            assertEquals(tok.vocabSize(), tok.idLimit(), "no gaps in OPT's ids");
        }
    }

    @Test
    void neverTruncatesAt512() throws IOException {
        String text = Files.readString(golden("eval.txt")).repeat(3);
        try (OptTokenizer tok = OptTokenizer.load(golden("tokenizer"))) {
            long[] ids = tok.encode(text);
            assertTrue(ids.length > 1500, "only " + ids.length + " ids");
            assertEquals(ids.length - 1, tok.encodeNoSpecial(text).length);
            assertEquals(text, tok.decode(ids));
        }
    }

    @Test
    void savedTokenizerRoundTrips(@TempDir Path tmp) throws Exception {
        try (OptTokenizer original = OptTokenizer.load(golden("tokenizer"))) {
            original.save(tmp);
            byte[] written = Files.readAllBytes(tmp.resolve("tokenizer.json"));
            assertEquals(
                    original.sha256(),
                    HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(written)));
            JsonNode config = JSON.readTree(tmp.resolve("tokenizer_config.json").toFile());
            assertEquals("</s>", config.get("bos_token").asText());
            assertTrue(config.get("add_bos_token").asBoolean());
            assertTrue(Files.isRegularFile(tmp.resolve("special_tokens_map.json")));
            try (OptTokenizer reloaded = OptTokenizer.load(tmp)) {
                assertEquals(original.sha256(), reloaded.sha256());
                assertEquals(original.specialTokens(), reloaded.specialTokens());
                assertEquals(original.vocabSize(), reloaded.vocabSize());
                for (Golden g : goldenCases()) {
                    assertArrayEquals(g.ids(), reloaded.encode(g.text()), g.text());
                }
            }
        }
    }

    @Test
    void hashDependsOnContentNotOnFileLayout(@TempDir Path tmp) throws IOException {
        ObjectNode spec =
                (ObjectNode) JSON.readTree(golden("tokenizer_json/tokenizer.json").toFile());
        Files.writeString(
                tmp.resolve("tokenizer.json"), spec.toString()); // compact, other key order
        try (OptTokenizer pretty = OptTokenizer.load(golden("tokenizer_json"));
                OptTokenizer compact = OptTokenizer.load(tmp);
                OptTokenizer fromVocab = OptTokenizer.load(golden("tokenizer"))) {
            assertEquals(pretty.sha256(), compact.sha256());
            assertEquals(64, pretty.sha256().length());
            assertTrue(
                    !pretty.sha256().equals(fromVocab.sha256()), "different JSON, different hash");
        }
    }

    @Test
    void addsBosWhenTokenizerJsonDoesNot(@TempDir Path tmp) throws IOException {
        ObjectNode spec =
                (ObjectNode) JSON.readTree(golden("tokenizer_json/tokenizer.json").toFile());
        spec.putObject("post_processor")
                .put("type", "ByteLevel")
                .put("add_prefix_space", true)
                .put("trim_offsets", false)
                .put("use_regex", true);
        Files.writeString(tmp.resolve("tokenizer.json"), spec.toString());
        try (OptTokenizer tok = OptTokenizer.load(tmp)) {
            for (Golden g : goldenCases()) {
                assertArrayEquals(g.ids(), tok.encode(g.text()), g.text());
            }
        }
    }

    @Test
    void emptyDirectoryNamesWhatIsMissing(@TempDir Path tmp) {
        UserInputException e = assertThrows(UserInputException.class, () -> OptTokenizer.load(tmp));
        assertEquals(
                tmp
                        + ": no tokenizer found (no tokenizer.json, and vocab.json and merges.txt missing)",
                e.getMessage());
    }

    @Test
    void missingMerges(@TempDir Path tmp) throws IOException {
        Files.copy(golden("tokenizer/vocab.json"), tmp.resolve("vocab.json"));
        UserInputException e = assertThrows(UserInputException.class, () -> OptTokenizer.load(tmp));
        assertEquals(
                tmp + ": no tokenizer found (no tokenizer.json, and merges.txt missing)",
                e.getMessage());
    }

    @Test
    void notADirectory() {
        Path file = golden("eval.txt");
        UserInputException e =
                assertThrows(UserInputException.class, () -> OptTokenizer.load(file));
        assertTrue(e.getMessage().startsWith(file + ": not a directory"), e.getMessage());
    }

    @Test
    void malformedVocab(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("vocab.json"), "{\"a\": 0, ");
        Files.copy(golden("tokenizer/merges.txt"), tmp.resolve("merges.txt"));
        assertNamesFile(tmp.resolve("vocab.json"), "malformed JSON", tmp);
    }

    @Test
    void vocabWithNonIntegerId(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("vocab.json"), "{\"a\": \"zero\"}");
        Files.copy(golden("tokenizer/merges.txt"), tmp.resolve("merges.txt"));
        assertNamesFile(tmp.resolve("vocab.json"), "not an integer id", tmp);
    }

    @Test
    void vocabWithoutSpecialTokens(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("vocab.json"), "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        Files.writeString(tmp.resolve("merges.txt"), "#version: 0.2\na b\n");
        assertNamesFile(tmp.resolve("vocab.json"), "special token </s> is not in the vocab", tmp);
    }

    @Test
    void malformedMergesLine(@TempDir Path tmp) throws IOException {
        Files.copy(golden("tokenizer/vocab.json"), tmp.resolve("vocab.json"));
        Files.writeString(tmp.resolve("merges.txt"), "#version: 0.2\nĠ t\nh e x\n");
        assertNamesFile(
                tmp.resolve("merges.txt") + ":3", "expected two space-separated symbols", tmp);
    }

    @Test
    void mergesWithoutMerges(@TempDir Path tmp) throws IOException {
        Files.copy(golden("tokenizer/vocab.json"), tmp.resolve("vocab.json"));
        Files.writeString(tmp.resolve("merges.txt"), "#version: 0.2\n");
        assertNamesFile(tmp.resolve("merges.txt"), "no merges", tmp);
    }

    @Test
    void malformedTokenizerJson(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("tokenizer.json"), "{\"model\": ", StandardCharsets.UTF_8);
        assertNamesFile(tmp.resolve("tokenizer.json"), "malformed JSON", tmp);
    }

    @Test
    void tokenizerJsonThatIsNotATokenizer(@TempDir Path tmp) throws IOException {
        ObjectNode spec =
                (ObjectNode) JSON.readTree(golden("tokenizer_json/tokenizer.json").toFile());
        ((ObjectNode) spec.get("model")).put("type", "NoSuchModel");
        Files.writeString(tmp.resolve("tokenizer.json"), spec.toString());
        assertNamesFile(tmp.resolve("tokenizer.json"), "not a loadable tokenizer", tmp);
    }

    @Test
    void malformedTokenizerConfig(@TempDir Path tmp) throws IOException {
        Files.copy(golden("tokenizer_json/tokenizer.json"), tmp.resolve("tokenizer.json"));
        Files.writeString(tmp.resolve("tokenizer_config.json"), "[1, 2]");
        assertNamesFile(tmp.resolve("tokenizer_config.json"), "expected a JSON object", tmp);
    }

    private static void assertNamesFile(Object file, String problem, Path dir) {
        UserInputException e = assertThrows(UserInputException.class, () -> OptTokenizer.load(dir));
        String message = e.getMessage();
        assertTrue(message.startsWith(file + ": "), message);
        assertTrue(message.contains(problem), message);
        assertEquals(1, message.lines().count(), message);
    }
}
