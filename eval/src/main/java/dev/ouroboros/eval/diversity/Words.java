package dev.ouroboros.eval.diversity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Words of decoded text, independent of any tokenizer: maximal runs of letters, combining marks and
 * digits, optionally joined by one inner apostrophe ({@code don't}, {@code l’homme}), lower-cased
 * with {@link Locale#ROOT}. Whitespace and punctuation separate words and are not words themselves,
 * so wikitext's {@code @-@} and {@code @,@} vanish and {@code U.S.} is {@code u}, {@code s}.
 */
public final class Words {
    /** The exact pattern: {@value #REGEX}. */
    public static final String REGEX = "[\\p{L}\\p{M}\\p{N}]+(?:['’][\\p{L}\\p{M}\\p{N}]+)*";

    private static final Pattern WORD = Pattern.compile(REGEX);

    private Words() {}

    /** The words of {@code text}, in order. */
    public static List<String> of(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            out.add(m.group().toLowerCase(Locale.ROOT));
        }
        return out;
    }

    /** The words of each text. */
    public static List<List<String>> ofAll(List<String> texts) {
        List<List<String>> out = new ArrayList<>(texts.size());
        for (String t : texts) {
            out.add(of(t));
        }
        return out;
    }

    /** Word → count over all texts. */
    public static Map<String, Long> counts(List<List<String>> texts) {
        Map<String, Long> c = new HashMap<>();
        for (List<String> t : texts) {
            for (String w : t) {
                c.merge(w, 1L, Long::sum);
            }
        }
        return c;
    }

    /** The texts' words concatenated in order. */
    public static List<String> concat(List<List<String>> texts) {
        List<String> out = new ArrayList<>();
        texts.forEach(out::addAll);
        return out;
    }
}
