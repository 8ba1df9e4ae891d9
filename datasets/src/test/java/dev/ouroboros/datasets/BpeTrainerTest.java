package dev.ouroboros.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {
    @TempDir Path tmp;

    private static final List<String> FIXED =
            List.of(
                    "The quick brown fox jumps over the lazy dog.",
                    "the the the   theory of them, they're there; it's 1984 and 2024!",
                    "Ünïcödé straße, naïve café — 日本語のテキスト, emoji 🙂🚀 and more 🙂.",
                    "    indented code() { return x + y; }\ttabs\tand\r\nCRLF",
                    "I've, you'll, we'd, she's, I'm -- contractions ... 3.14159");

    /** A few thousand lines: the fixed ones plus a generated ground-truth language. */
    private static List<String> corpus() {
        List<String> lines = new ArrayList<>(FIXED);
        GroundTruthLanguage lang = new GroundTruthLanguage(GroundTruthLanguage.Config.defaults(7));
        lines.addAll(lang.sample(2000, 11));
        return lines;
    }

    @Test
    void loadsThroughOptTokenizerAndRoundTrips() throws Exception {
        BpeTrainer.Result r = BpeTrainer.train(corpus(), 600);
        assertEquals(600, r.vocab().size());
        BpeTrainer.write(tmp, r);
        for (String f :
                List.of(
                        "vocab.json",
                        "merges.txt",
                        "tokenizer_config.json",
                        "special_tokens_map.json")) {
            assertTrue(Files.isRegularFile(tmp.resolve(f)), f);
        }
        List<String> mergeLines =
                Files.readAllLines(tmp.resolve("merges.txt"), StandardCharsets.UTF_8);
        assertEquals("#version: 0.2", mergeLines.get(0));
        assertEquals(r.merges().size() + 1, mergeLines.size());

        try (OptTokenizer tok = OptTokenizer.load(tmp)) {
            assertEquals(600, tok.vocabSize());
            assertEquals(2, tok.bosId());
            assertEquals(2, tok.eosId());
            assertEquals(1, tok.padId());
            assertEquals("</s>", tok.specialTokens().unk());
            List<String> texts = new ArrayList<>(FIXED);
            texts.add(
                    "unseen: Ωmega ∑ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👩‍👩‍👧 zalgo z̷̢a̵l̶g̸o  \n\n  two  spaces\n\ttab\u00a0nbsp\u2028ls");
            texts.add(String.join("\n", corpus().subList(5, 40)));
            texts.add("");
            texts.add(" ");
            texts.add("\n");
            for (String text : texts) {
                long[] ids = tok.encode(text);
                assertEquals(2, ids[0], "BOS first");
                for (long id : ids) {
                    assertTrue(id >= 0 && id < 600, "id in range: " + id);
                }
                assertEquals(text, tok.decode(ids), "round trip of " + text);
                assertEquals(text, tok.decode(tok.encodeNoSpecial(text)));
            }
            // Merges are actually used: a frequent corpus word is one token, and text compresses.
            String sample = String.join("\n", corpus().subList(5, 200));
            long[] ids = tok.encodeNoSpecial(sample);
            int bytes = sample.getBytes(StandardCharsets.UTF_8).length;
            assertTrue(ids.length * 2 < bytes, ids.length + " tokens for " + bytes + " bytes");
            String top = r.merges().get(0)[0] + r.merges().get(0)[1];
            Integer topId = r.vocab().get(top);
            assertEquals(260, topId);
        }
    }

    @Test
    void specialsThenBytesLikeOpt() throws Exception {
        BpeTrainer.Result r = BpeTrainer.train(corpus(), 300);
        List<String> tokens = new ArrayList<>(r.vocab().keySet());
        for (int i = 0; i < tokens.size(); i++) {
            assertEquals(i, r.vocab().get(tokens.get(i)), "ids in insertion order without gaps");
        }
        assertEquals(List.of("<s>", "<pad>", "</s>", "<unk>"), tokens.subList(0, 4));
        Path golden = Path.of("../models/src/test/resources/golden/tokenizer/vocab.json");
        if (Files.isRegularFile(golden)) {
            Map<String, Integer> opt =
                    new ObjectMapper()
                            .readValue(
                                    golden.toFile(), new TypeReference<Map<String, Integer>>() {});
            for (Map.Entry<String, Integer> e : opt.entrySet()) {
                if (e.getValue() < 260) {
                    assertEquals(
                            e.getValue(), r.vocab().get(e.getKey()), "OPT id of " + e.getKey());
                }
            }
        }
        assertEquals(4, r.vocab().get("!"));
        assertEquals(BpeTrainer.MIN_VOCAB_SIZE, 260);
        for (int i = 4; i < 260; i++) {
            assertEquals(1, tokens.get(i).length());
        }
    }

    @Test
    void firstMergeIsTheMostFrequentPair() {
        List<String> lines = corpus();
        // Independent count: split each line with the GPT-2 regex, map bytes, count adjacent pairs.
        Pattern p =
                Pattern.compile(
                        "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
                        Pattern.UNICODE_CHARACTER_CLASS);
        Map<String, Long> counts = new HashMap<>();
        for (String line : lines) {
            Matcher m = p.matcher(line);
            while (m.find()) {
                byte[] bytes = m.group().getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i + 1 < bytes.length; i++) {
                    String key = gpt2Char(bytes[i] & 0xff) + " " + gpt2Char(bytes[i + 1] & 0xff);
                    counts.merge(key, 1L, Long::sum);
                }
            }
        }
        String best = null;
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            if (best == null
                    || e.getValue() > counts.get(best)
                    || (e.getValue().equals(counts.get(best)) && e.getKey().compareTo(best) < 0)) {
                best = e.getKey();
            }
        }
        BpeTrainer.Result r = BpeTrainer.train(lines, 270);
        assertEquals(best, r.mergeLines().get(0));
    }

    @Test
    void tiesAreBrokenLexicographically() {
        // "ab" and "cd" both occur twice, "ba" never: (a, b) < (c, d) wins first.
        BpeTrainer.Result r = BpeTrainer.train(List.of("cd ab", "ab cd"), 262);
        assertEquals(List.of("a b", "c d"), r.mergeLines());
        // Counts beat order: "zz" three times wins over "ab" twice.
        BpeTrainer.Result r2 = BpeTrainer.train(List.of("ab zz", "ab zz zz"), 261);
        assertEquals(List.of("z z"), r2.mergeLines());
    }

    @Test
    void mergesAgreeWithANaiveTrainer() {
        List<String> lines = corpus().subList(0, 300);
        BpeTrainer.Result fast = BpeTrainer.train(lines, 330);
        assertEquals(naiveMerges(lines, fast.merges().size()), fast.mergeLines());
    }

    @Test
    void deterministic() throws Exception {
        List<String> lines = corpus();
        BpeTrainer.Result a = BpeTrainer.train(lines, 500);
        List<String> shuffled = new ArrayList<>(lines);
        java.util.Collections.shuffle(shuffled, new Random(3));
        BpeTrainer.Result b = BpeTrainer.train(shuffled, 500);
        assertEquals(a.vocab(), b.vocab());
        assertEquals(new ArrayList<>(a.vocab().keySet()), new ArrayList<>(b.vocab().keySet()));
        assertEquals(a.mergeLines(), b.mergeLines());
        Path d1 = tmp.resolve("a");
        Path d2 = tmp.resolve("b");
        BpeTrainer.write(d1, a);
        BpeTrainer.write(d2, BpeTrainer.train(lines, 500));
        for (String f : List.of("vocab.json", "merges.txt", "tokenizer_config.json")) {
            assertArrayEquals(
                    Files.readAllBytes(d1.resolve(f)), Files.readAllBytes(d2.resolve(f)), f);
        }
        try (OptTokenizer t1 = OptTokenizer.load(d1);
                OptTokenizer t2 = OptTokenizer.load(d2)) {
            assertEquals(t1.sha256(), t2.sha256());
        }
    }

    @Test
    void stopsWhenNoPairIsLeft() {
        BpeTrainer.Result r = BpeTrainer.train(List.of("abc"), 1000);
        assertEquals(List.of("a b", "ab c"), r.mergeLines());
        assertEquals(262, r.vocab().size());
    }

    @Test
    void badVocabSize() {
        UserInputException e =
                assertThrows(
                        UserInputException.class, () -> BpeTrainer.train(List.of("hello"), 259));
        assertTrue(e.getMessage().contains("259"), e.getMessage());
        assertThrows(UserInputException.class, () -> BpeTrainer.train(List.of("hello"), 0));
        assertThrows(UserInputException.class, () -> BpeTrainer.train(List.of("hello"), -5));
        assertEquals(260, BpeTrainer.train(List.of("hello"), 260).vocab().size());
    }

    @Test
    void fastEnoughForAFewMegabytes() {
        GroundTruthLanguage lang = new GroundTruthLanguage(GroundTruthLanguage.Config.defaults(5));
        List<String> lines = lang.sample(40_000, 13);
        long bytes = 0;
        for (String l : lines) {
            bytes += l.length();
        }
        long t0 = System.nanoTime();
        BpeTrainer.Result r = BpeTrainer.train(lines, 2000);
        double s = (System.nanoTime() - t0) / 1e9;
        assertTrue(r.vocab().size() > 1000);
        assertTrue(s < 20, bytes + " chars in " + s + " s");
    }

    // ---------------------------------------------------------------------------------------------

    /** Full recount per merge, over the same pieces: the reference for the incremental trainer. */
    private static List<String> naiveMerges(List<String> lines, int count) {
        Map<List<String>, Long> words = new LinkedHashMap<>();
        for (String line : lines) {
            for (String piece : BpeTrainer.preTokenize(line)) {
                List<String> sym = new ArrayList<>();
                for (char c : BpeTrainer.byteSymbols(piece).toCharArray()) {
                    sym.add(String.valueOf(c));
                }
                words.merge(sym, 1L, Long::sum);
            }
        }
        List<String> merges = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            Map<String, Long> pairs = new HashMap<>();
            for (Map.Entry<List<String>, Long> e : words.entrySet()) {
                List<String> s = e.getKey();
                for (int i = 0; i + 1 < s.size(); i++) {
                    pairs.merge(s.get(i) + "\u0000" + s.get(i + 1), e.getValue(), Long::sum);
                }
            }
            String best = null;
            for (Map.Entry<String, Long> e : pairs.entrySet()) {
                if (best == null || e.getValue() > pairs.get(best)) {
                    best = e.getKey();
                } else if (e.getValue().equals(pairs.get(best))) {
                    String[] x = e.getKey().split("\u0000");
                    String[] y = best.split("\u0000");
                    int c = x[0].compareTo(y[0]);
                    if (c < 0 || (c == 0 && x[1].compareTo(y[1]) < 0)) {
                        best = e.getKey();
                    }
                }
            }
            String[] ab = best.split("\u0000");
            merges.add(ab[0] + " " + ab[1]);
            Map<List<String>, Long> next = new LinkedHashMap<>();
            for (Map.Entry<List<String>, Long> e : words.entrySet()) {
                List<String> s = e.getKey();
                List<String> out = new ArrayList<>();
                for (int i = 0; i < s.size(); i++) {
                    if (i + 1 < s.size() && s.get(i).equals(ab[0]) && s.get(i + 1).equals(ab[1])) {
                        out.add(ab[0] + ab[1]);
                        i++;
                    } else {
                        out.add(s.get(i));
                    }
                }
                next.merge(out, e.getValue(), Long::sum);
            }
            words = next;
        }
        return merges;
    }

    private static String gpt2Char(int b) {
        boolean printable =
                (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
        if (printable) {
            return String.valueOf((char) b);
        }
        int k = 0;
        for (int x = 0; x < b; x++) {
            if (!((x >= 33 && x <= 126) || (x >= 161 && x <= 172) || (x >= 174 && x <= 255))) {
                k++;
            }
        }
        return String.valueOf((char) (256 + k));
    }
}
