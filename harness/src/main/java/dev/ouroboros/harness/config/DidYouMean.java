package dev.ouroboros.harness.config;

import java.util.Collection;

/**
 * " (did you mean 'x'?)" for a near-miss name, by Levenshtein distance; empty when nothing is
 * close.
 */
public final class DidYouMean {
    private DidYouMean() {}

    public static String suggest(String given, Collection<String> known) {
        String best = closest(given, known);
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    /** The known name nearest to {@code given}, or null when none is plausibly meant. */
    public static String closest(String given, Collection<String> known) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String k : known) {
            int d =
                    distance(
                            given.toLowerCase(java.util.Locale.ROOT),
                            k.toLowerCase(java.util.Locale.ROOT));
            if (d < bestD) {
                bestD = d;
                best = k;
            }
        }
        return best != null && bestD <= Math.max(2, given.length() / 3) ? best : null;
    }

    static int distance(String a, String b) {
        return org.apache.commons.text.similarity.LevenshteinDistance.getDefaultInstance()
                .apply(a, b);
    }
}
