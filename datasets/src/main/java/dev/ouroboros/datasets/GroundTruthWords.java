package dev.ouroboros.datasets;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * How the {@link GroundTruthLanguage} spells its open-class words (syllables of an onset, a vowel
 * and a coda, then a class suffix) and reads its sentence templates.
 */
final class GroundTruthWords {
    private GroundTruthWords() {}

    static final Map<GroundTruthLanguage.WordClass, List<String>> CLOSED = new LinkedHashMap<>();

    static {
        CLOSED.put(
                GroundTruthLanguage.WordClass.DET,
                List.of("the", "a", "this", "that", "every", "some", "no"));
        CLOSED.put(
                GroundTruthLanguage.WordClass.PREP,
                List.of("of", "in", "on", "with", "from", "by", "near", "under"));
        CLOSED.put(GroundTruthLanguage.WordClass.CONJ, List.of("and", "but", "or", "so"));
        CLOSED.put(
                GroundTruthLanguage.WordClass.PRON,
                List.of("it", "they", "she", "he", "we", "you"));
        CLOSED.put(GroundTruthLanguage.WordClass.COMMA, List.of(","));
        CLOSED.put(GroundTruthLanguage.WordClass.PERIOD, List.of("."));
    }

    /**
     * Templates as class letters: D det, A adj, N noun, V verb, R adv, P prep, C conj, O pron, ","
     * and ".".
     */
    static final String[] TEMPLATES = {
        "D N V .",
        "D A N V D N .",
        "O V D N P D N .",
        "D N R V .",
        "D A N V P D A N .",
        "O R V D N , C O V .",
        "D N V D N C D N V .",
        "D N P D N V R .",
        "O V .",
        "D A A N V D N .",
        "P D N , D N V .",
        "D N V D A N P D N .",
        "O V D A N , C D N R V .",
        "D N P D A N V D N P D N .",
    };

    private static final String[] ONSETS = {
        "b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch", "sh", "th",
        "br", "tr", "pl", "st", "gr"
    };
    private static final String[] VOWELS = {"a", "e", "i", "o", "u", "ai", "ou", "ea"};
    private static final String[] CODAS = {"", "", "", "n", "r", "s", "l", "k", "m"};
    private static final Map<GroundTruthLanguage.WordClass, String[]> SUFFIXES =
            Map.of(
                    GroundTruthLanguage.WordClass.NOUN, new String[] {"", "", "", "", "et", "on"},
                    GroundTruthLanguage.WordClass.VERB, new String[] {"", "", "", "es", "ed"},
                    GroundTruthLanguage.WordClass.ADJ, new String[] {"", "", "ish", "al", "y"},
                    GroundTruthLanguage.WordClass.ADV, new String[] {"ly"});

    /**
     * {@code n} distinct pronounceable words, shortest first (shorter words get the higher ranks,
     * as in natural languages).
     */
    static List<String> pronounceableWords(
            int n, SplittableRandom random, Set<String> taken, GroundTruthLanguage.WordClass c) {
        List<String> out = new ArrayList<>(n);
        String[] suffixes = SUFFIXES.get(c);
        int attempts = 0;
        while (out.size() < n) {
            if (++attempts > 1000 * n) {
                throw new IllegalStateException("cannot make " + n + " distinct words");
            }
            int syllables = 1 + random.nextInt(3);
            StringBuilder sb = new StringBuilder();
            for (int s = 0; s < syllables; s++) {
                sb.append(ONSETS[random.nextInt(ONSETS.length)]);
                sb.append(VOWELS[random.nextInt(VOWELS.length)]);
                sb.append(CODAS[random.nextInt(CODAS.length)]);
            }
            sb.append(suffixes[random.nextInt(suffixes.length)]);
            String w = sb.toString();
            if (taken.add(w)) {
                out.add(w);
            }
        }
        // stable sort by length keeps the random order among equal lengths
        out.sort(Comparator.comparingInt(String::length));
        return out;
    }

    static GroundTruthLanguage.WordClass classOfLetter(String s) {
        return switch (s) {
            case "D" -> GroundTruthLanguage.WordClass.DET;
            case "A" -> GroundTruthLanguage.WordClass.ADJ;
            case "N" -> GroundTruthLanguage.WordClass.NOUN;
            case "V" -> GroundTruthLanguage.WordClass.VERB;
            case "R" -> GroundTruthLanguage.WordClass.ADV;
            case "P" -> GroundTruthLanguage.WordClass.PREP;
            case "C" -> GroundTruthLanguage.WordClass.CONJ;
            case "O" -> GroundTruthLanguage.WordClass.PRON;
            case "," -> GroundTruthLanguage.WordClass.COMMA;
            case "." -> GroundTruthLanguage.WordClass.PERIOD;
            default -> throw new IllegalStateException("bad template slot " + s);
        };
    }

    static String signature(GroundTruthLanguage.WordClass[] slots) {
        StringBuilder sb = new StringBuilder();
        for (GroundTruthLanguage.WordClass c : slots) {
            sb.append((char) ('A' + c.ordinal()));
        }
        return sb.toString();
    }
}
