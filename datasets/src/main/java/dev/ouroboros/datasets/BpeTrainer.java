package dev.ouroboros.datasets;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small byte-level BPE trainer (GPT-2 / OPT style) for from-scratch runs.
 *
 * <p>Writes {@code vocab.json} + {@code merges.txt} + {@code tokenizer_config.json} + {@code
 * special_tokens_map.json} the way {@code facebook/opt-125m} ships them, so that {@code
 * OptTokenizer.load(dir)} (and transformers' {@code GPT2Tokenizer}) load the result.
 *
 * <p>Algorithm: every text is split with the GPT-2 pre-tokenization regex (the one of HF's {@code
 * ByteLevel} pre-tokenizer, {@link #GPT2_PATTERN}), each piece is UTF-8 encoded and its bytes
 * mapped to printable characters with GPT-2's {@code bytes_to_unicode} table; identical pieces are
 * counted once with their frequency. The vocab starts with {@code <s>}=0 {@code <pad>}=1 {@code
 * </s>}=2 {@code <unk>}=3, then the 256 byte symbols ordered by code point (ids 4..259, as in OPT's
 * vocab). Merges are then learned greedily: the adjacent pair with the highest frequency (summed
 * over the word counts) is merged, <b>ties broken by the lexicographically smallest (left, right)
 * pair of token strings</b> (Java {@code String.compareTo}: left first, then right). Pair counts
 * are updated incrementally, only for words that contain the merged pair (lazy max-heap). A merge
 * whose result is already a token (reachable by another split) is recorded but adds no id, as in
 * HF's trainer. Training stops when the vocab reaches {@code vocabSize} or no pair is left; in the
 * second case the vocab is smaller than asked (see {@link Result#vocab()}).
 */
public final class BpeTrainer {
    /**
     * The version of the training algorithm and of the files it writes: part of every cached
     * tokenizer's key ({@link BpeCache}), so a change that alters the output must raise it.
     */
    public static final int VERSION = 1;

    /** HF tokenizers' ByteLevel pre-tokenizer regex (GPT-2's {@code encoder.py} pattern). */
    public static final String GPT2_PATTERN =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** Unicode \s (like the Rust regex HF uses), Unicode letters and numbers. */
    private static final Pattern PRE_TOKENIZER =
            Pattern.compile(GPT2_PATTERN, Pattern.UNICODE_CHARACTER_CLASS);

    /** Special tokens with ids 0..3, as in OPT's vocab. */
    public static final List<String> SPECIALS = List.of("<s>", "<pad>", "</s>", "<unk>");

    /** Specials plus the 256 byte symbols: the smallest vocab (no merge). */
    public static final int MIN_VOCAB_SIZE = SPECIALS.size() + 256;

    private static final char[] BYTE_TO_CHAR = bytesToUnicode();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /**
     * A trained tokenizer.
     *
     * @param vocab token to id, in id order (ids 0..size-1, no gaps)
     * @param merges the merges in learning order, each as {@code {left, right}}
     */
    public record Result(Map<String, Integer> vocab, List<String[]> merges) {
        public Result {
            vocab = Collections.unmodifiableMap(new LinkedHashMap<>(vocab));
            merges = List.copyOf(merges);
        }

        /** Merges as the lines of {@code merges.txt} ({@code "left right"}). */
        public List<String> mergeLines() {
            List<String> lines = new ArrayList<>(merges.size());
            for (String[] m : merges) {
                lines.add(m[0] + " " + m[1]);
            }
            return lines;
        }
    }

    private BpeTrainer() {}

    /**
     * Trains a byte-level BPE on {@code texts} (each pre-tokenized on its own; a line without its
     * newline is fine) until the vocab, specials and bytes included, has {@code vocabSize} tokens.
     *
     * @throws UserInputException if {@code vocabSize < 260} (4 specials + 256 bytes)
     */
    public static Result train(Iterable<String> texts, int vocabSize) {
        if (vocabSize < MIN_VOCAB_SIZE) {
            throw new UserInputException(
                    "vocab size "
                            + vocabSize
                            + " is too small: a byte-level BPE needs at least "
                            + MIN_VOCAB_SIZE
                            + " (4 special tokens + 256 bytes)");
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<String> tokens = new ArrayList<>();
        int[] byteId = initialVocabulary(vocab, tokens);
        Words words = Words.count(texts, byteId);
        Pairs pairs = new Pairs(words, tokens);
        List<String[]> merges = new ArrayList<>();
        while (tokens.size() < vocabSize) {
            long top = pairs.next();
            if (top < 0) {
                break; // no pair left to merge
            }
            int a = (int) (top >>> 32);
            int b = (int) top;
            String merged = tokens.get(a) + tokens.get(b);
            Integer id = vocab.get(merged);
            if (id == null) {
                id = tokens.size();
                vocab.put(merged, id);
                tokens.add(merged);
            }
            merges.add(new String[] {tokens.get(a), tokens.get(b)});
            pairs.merge(top, id);
        }
        return new Result(vocab, merges);
    }

    /** The special tokens, then the 256 byte symbols in char order; returns each byte's id. */
    private static int[] initialVocabulary(Map<String, Integer> vocab, List<String> tokens) {
        for (String s : SPECIALS) {
            vocab.put(s, tokens.size());
            tokens.add(s);
        }
        char[] sortedBytes = BYTE_TO_CHAR.clone();
        java.util.Arrays.sort(sortedBytes);
        for (char c : sortedBytes) {
            vocab.put(String.valueOf(c), tokens.size());
            tokens.add(String.valueOf(c));
        }
        int[] byteId = new int[256];
        for (int b = 0; b < 256; b++) {
            byteId[b] = vocab.get(String.valueOf(BYTE_TO_CHAR[b]));
        }
        return byteId;
    }

    /**
     * The distinct pre-tokenized words as symbol ids, with their counts; sorted, so that everything
     * after is independent of hash order.
     */
    private record Words(int[][] symbols, int[] lengths, long[] freq) {
        static Words count(Iterable<String> texts, int[] byteId) {
            Map<String, long[]> counts = new HashMap<>();
            for (String text : texts) {
                Matcher m = PRE_TOKENIZER.matcher(text);
                while (m.find()) {
                    counts.computeIfAbsent(m.group(), k -> new long[1])[0]++;
                }
            }
            List<String> pieces = new ArrayList<>(counts.keySet());
            Collections.sort(pieces);
            int n = pieces.size();
            int[][] words = new int[n][];
            int[] lengths = new int[n];
            long[] freq = new long[n];
            for (int w = 0; w < n; w++) {
                byte[] bytes = pieces.get(w).getBytes(StandardCharsets.UTF_8);
                words[w] = new int[bytes.length];
                for (int i = 0; i < bytes.length; i++) {
                    words[w][i] = byteId[bytes[i] & 0xff];
                }
                lengths[w] = bytes.length;
                freq[w] = counts.get(pieces.get(w))[0];
            }
            return new Words(words, lengths, freq);
        }
    }

    /**
     * The adjacent symbol pairs of every word with their counts, the words each occurs in, and a
     * heap of (pair, count) whose stale entries are skipped.
     */
    private static final class Pairs {
        private final Words words;
        private final Map<Long, long[]> pairCount = new HashMap<>();
        private final Map<Long, Set<Integer>> where = new HashMap<>();
        private final PriorityQueue<long[]> heap;
        private final Map<Long, Long> delta = new HashMap<>();

        Pairs(Words words, List<String> tokens) {
            this.words = words;
            for (int w = 0; w < words.symbols().length; w++) {
                int[] sym = words.symbols()[w];
                for (int i = 0; i + 1 < words.lengths()[w]; i++) {
                    long p = pair(sym[i], sym[i + 1]);
                    pairCount.computeIfAbsent(p, k -> new long[1])[0] += words.freq()[w];
                    where.computeIfAbsent(p, k -> new HashSet<>()).add(w);
                }
            }
            heap = new PriorityQueue<>((x, y) -> compare(x, y, tokens));
            pairCount.forEach((p, c) -> heap.add(new long[] {p, c[0]}));
        }

        /** The most frequent pair (ties by {@link #compare}), or -1 when none is left. */
        long next() {
            while (!heap.isEmpty()) {
                long[] top = heap.poll();
                long[] current = pairCount.get(top[0]);
                if (current != null && current[0] == top[1] && current[0] > 0) {
                    return top[0];
                }
                // stale: a fresher entry was pushed when the count changed
            }
            return -1;
        }

        /** Replaces pair {@code top} by symbol {@code id} in every word and updates the counts. */
        void merge(long top, int id) {
            int a = (int) (top >>> 32);
            int b = (int) top;
            delta.clear();
            List<Integer> sorted = new ArrayList<>(where.remove(top));
            Collections.sort(sorted);
            for (int w : sorted) {
                mergeIn(w, a, b, id);
            }
            pairCount.remove(top);
            delta.remove(top);
            for (Map.Entry<Long, Long> e : delta.entrySet()) {
                if (e.getValue() == 0) {
                    continue;
                }
                long[] c = pairCount.computeIfAbsent(e.getKey(), k -> new long[1]);
                c[0] += e.getValue();
                if (c[0] <= 0) {
                    pairCount.remove(e.getKey());
                    where.remove(e.getKey());
                } else {
                    heap.add(new long[] {e.getKey(), c[0]});
                }
            }
        }

        /** Merges (a, b) into {@code id} in word {@code w}, its pair counts into {@code delta}. */
        private void mergeIn(int w, int a, int b, int id) {
            int[] sym = words.symbols()[w];
            int len = words.lengths()[w];
            boolean found = false;
            for (int i = 0; i + 1 < len; i++) {
                if (sym[i] == a && sym[i + 1] == b) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return; // a stale entry of `where`
            }
            long f = words.freq()[w];
            for (int i = 0; i + 1 < len; i++) {
                delta.merge(pair(sym[i], sym[i + 1]), -f, Long::sum);
            }
            int out = 0;
            for (int i = 0; i < len; i++) {
                if (i + 1 < len && sym[i] == a && sym[i + 1] == b) {
                    sym[out++] = id;
                    i++;
                } else {
                    sym[out++] = sym[i];
                }
            }
            words.lengths()[w] = out;
            for (int i = 0; i + 1 < out; i++) {
                long p = pair(sym[i], sym[i + 1]);
                delta.merge(p, f, Long::sum);
                where.computeIfAbsent(p, k -> new HashSet<>()).add(w);
            }
        }
    }

    /**
     * Writes {@code vocab.json}, {@code merges.txt}, {@code tokenizer_config.json} and {@code
     * special_tokens_map.json} to {@code dir} (created if needed), as facebook/opt-125m ships them.
     */
    public static void write(Path dir, Result result) {
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve("vocab.json"), JSON.writeValueAsBytes(result.vocab()));
            StringBuilder merges = new StringBuilder("#version: 0.2\n");
            for (String line : result.mergeLines()) {
                merges.append(line).append('\n');
            }
            Files.writeString(dir.resolve("merges.txt"), merges, StandardCharsets.UTF_8);
            ObjectNode config = NODES.objectNode();
            config.put("errors", "replace");
            config.set("unk_token", addedToken("</s>", true));
            config.set("bos_token", addedToken("</s>", true));
            config.set("eos_token", addedToken("</s>", true));
            config.set("pad_token", addedToken("<pad>", true));
            config.put("add_prefix_space", false);
            config.put("add_bos_token", true);
            config.putNull("special_tokens_map_file");
            config.put("tokenizer_class", "GPT2Tokenizer");
            Files.write(
                    dir.resolve("tokenizer_config.json"),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
            ObjectNode map = NODES.objectNode();
            map.set("bos_token", addedToken("</s>", false));
            map.set("eos_token", addedToken("</s>", false));
            map.set("pad_token", addedToken("<pad>", false));
            map.set("unk_token", addedToken("</s>", false));
            Files.write(
                    dir.resolve("special_tokens_map.json"),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(map));
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write the tokenizer", e);
        }
    }

    /**
     * {@code java ... BpeTrainer CORPUS.txt VOCAB_SIZE OUT_DIR}: trains on the lines of a UTF-8
     * file (used by {@code datasets/src/test/python/check_bpe.py}).
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: BpeTrainer CORPUS.txt VOCAB_SIZE OUT_DIR");
            System.exit(2);
        }
        List<String> lines = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        Result r = train(lines, Integer.parseInt(args[1]));
        write(Path.of(args[2]), r);
        System.out.printf(
                "vocab %d, merges %d, %.2f s%n",
                r.vocab().size(), r.merges().size(), (System.nanoTime() - t0) / 1e9);
    }

    /** Pre-tokenized pieces of {@code text} (GPT-2 regex), before the byte mapping. */
    public static List<String> preTokenize(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = PRE_TOKENIZER.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** GPT-2's byte-to-symbol mapping applied to the UTF-8 bytes of {@code piece}. */
    public static String byteSymbols(String piece) {
        StringBuilder sb = new StringBuilder();
        for (byte x : piece.getBytes(StandardCharsets.UTF_8)) {
            sb.append(BYTE_TO_CHAR[x & 0xff]);
        }
        return sb.toString();
    }

    private static ObjectNode addedToken(String content, boolean typed) {
        ObjectNode t = NODES.objectNode();
        if (typed) {
            t.put("__type", "AddedToken");
        }
        t.put("content", content);
        t.put("lstrip", false);
        t.put("normalized", true);
        t.put("rstrip", false);
        t.put("single_word", false);
        return t;
    }

    private static long pair(int a, int b) {
        return ((long) a << 32) | (b & 0xffffffffL);
    }

    /** Max-heap order: higher count first, then smaller left token string, then smaller right. */
    private static int compare(long[] x, long[] y, List<String> tokens) {
        int c = Long.compare(y[1], x[1]);
        if (c != 0) {
            return c;
        }
        c = tokens.get((int) (x[0] >>> 32)).compareTo(tokens.get((int) (y[0] >>> 32)));
        if (c != 0) {
            return c;
        }
        return tokens.get((int) x[0]).compareTo(tokens.get((int) y[0]));
    }

    /** GPT-2's {@code bytes_to_unicode}: printable bytes map to themselves, others to 256+k. */
    private static char[] bytesToUnicode() {
        char[] map = new char[256];
        boolean[] printable = new boolean[256];
        for (int b = 0; b < 256; b++) {
            printable[b] =
                    (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        }
        int next = 0;
        for (int b = 0; b < 256; b++) {
            map[b] = printable[b] ? (char) b : (char) (256 + next++);
        }
        return map;
    }
}
