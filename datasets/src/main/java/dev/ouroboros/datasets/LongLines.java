package dev.ouroboros.datasets;

import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tokenizing one very long line (a 50 MB corpus without a newline is one Shumailov line): in one
 * tokenizer call it showed nothing for minutes. A line longer than {@link #PIECE} characters is
 * encoded in pieces, each cut just before a single space between two non-space characters, with a
 * progress line at every tenth. The ids are the same as one call's: the byte-level (GPT-2) and
 * whitespace pre-tokenizers never join text across such a space, so every pre-token lies within a
 * piece, and the special tokens a call adds (BOS before the text) are added once.
 */
public final class LongLines {
    private static final Logger LOG = LoggerFactory.getLogger(LongLines.class);

    /** Characters above which a line is encoded in pieces (and its progress shown). */
    public static final int PIECE = 1 << 20;

    private LongLines() {}

    /** {@code tokenizer.encode(line)}, in pieces with progress on the log for a long line. */
    public static long[] encode(OptTokenizer tokenizer, String line) {
        return encode(tokenizer, line, PIECE, LOG::info);
    }

    /**
     * {@code tokenizer.encode(line)}; a line longer than {@code piece} characters in pieces of
     * about {@code piece}, telling {@code progress} how far it is.
     */
    public static long[] encode(
            OptTokenizer tokenizer, String line, int piece, Consumer<String> progress) {
        if (line.length() <= piece) {
            return tokenizer.encode(line);
        }
        long[] specials = tokenizer.encode("");
        long[] word = tokenizer.encodeNoSpecial("a");
        long[] both = Arrays.copyOf(specials, specials.length + word.length);
        System.arraycopy(word, 0, both, specials.length, word.length);
        // the special tokens must all come before the text (OPT: BOS), else: one call
        if (!Arrays.equals(both, tokenizer.encode("a"))) {
            progress.accept(describe(line) + " in one call (no progress within it)");
            return tokenizer.encode(line);
        }
        progress.accept(describe(line) + " in pieces of about " + piece + " characters");
        long[] ids = Arrays.copyOf(specials, Math.max(16, line.length() / 3));
        int size = specials.length;
        int start = 0;
        int tenth = 0;
        while (start < line.length()) {
            int end = cut(line, start + piece);
            long[] part = tokenizer.encodeNoSpecial(line.substring(start, end));
            if (size + part.length > ids.length) {
                ids = Arrays.copyOf(ids, Math.max(ids.length * 2, size + part.length));
            }
            System.arraycopy(part, 0, ids, size, part.length);
            size += part.length;
            start = end;
            int now = (int) (10L * start / line.length());
            if (now > tenth && start < line.length()) {
                tenth = now;
                progress.accept(describe(line) + ": " + 10 * tenth + "%");
            }
        }
        return Arrays.copyOf(ids, size);
    }

    private static String describe(String line) {
        return String.format(
                Locale.ROOT, "tokenizing one line of %.1f M characters", line.length() / 1e6);
    }

    /**
     * The first index at or after {@code from} holding a space between two non-space characters
     * (where a piece may end), or the line's end.
     */
    static int cut(String line, int from) {
        for (int i = Math.max(1, from); i < line.length() - 1; i++) {
            if (line.charAt(i) == ' ' && !blank(line.charAt(i - 1)) && !blank(line.charAt(i + 1))) {
                return i;
            }
        }
        return line.length();
    }

    private static boolean blank(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }
}
