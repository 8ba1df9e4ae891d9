package dev.ouroboros.eval.syntax;

import java.util.Map;

/**
 * Penn Treebank tag → universal POS tag (UD v2), using the token's UD relation where the Penn tag
 * alone is ambiguous — the conversion the UD English treebanks follow (and that CoreNLP's
 * constituency-based {@code UniversalPOSMapper} approximates; its rules need a constituency parse,
 * which {@code tokenize,ssplit,pos,depparse} does not make):
 *
 * <ul>
 *   <li>{@code IN} → SCONJ under {@code mark}, else ADP; {@code TO} → ADP under {@code case}, else
 *       PART (infinitival {@code to});
 *   <li>verbs ({@code VB*}) → AUX under {@code aux}, {@code aux:pass} or {@code cop}, else VERB;
 *       {@code MD} → AUX;
 *   <li>the rest by tag alone (table below).
 * </ul>
 */
public final class UposMapper {
    private static final Map<String, String> BY_TAG =
            Map.ofEntries(
                    Map.entry("CC", "CCONJ"),
                    Map.entry("CD", "NUM"),
                    Map.entry("DT", "DET"),
                    Map.entry("PDT", "DET"),
                    Map.entry("WDT", "DET"),
                    Map.entry("EX", "PRON"),
                    Map.entry("FW", "X"),
                    Map.entry("JJ", "ADJ"),
                    Map.entry("JJR", "ADJ"),
                    Map.entry("JJS", "ADJ"),
                    Map.entry("AFX", "ADJ"),
                    Map.entry("LS", "X"),
                    Map.entry("MD", "AUX"),
                    Map.entry("NN", "NOUN"),
                    Map.entry("NNS", "NOUN"),
                    Map.entry("NNP", "PROPN"),
                    Map.entry("NNPS", "PROPN"),
                    Map.entry("POS", "PART"),
                    Map.entry("PRP", "PRON"),
                    Map.entry("PRP$", "PRON"),
                    Map.entry("WP", "PRON"),
                    Map.entry("WP$", "PRON"),
                    Map.entry("RB", "ADV"),
                    Map.entry("RBR", "ADV"),
                    Map.entry("RBS", "ADV"),
                    Map.entry("WRB", "ADV"),
                    Map.entry("RP", "ADP"),
                    Map.entry("SYM", "SYM"),
                    Map.entry("$", "SYM"),
                    Map.entry("#", "SYM"),
                    Map.entry("UH", "INTJ"),
                    Map.entry("ADD", "X"),
                    Map.entry("GW", "X"),
                    Map.entry("XX", "X"),
                    Map.entry("NFP", "PUNCT"),
                    Map.entry("HYPH", "PUNCT"),
                    Map.entry(",", "PUNCT"),
                    Map.entry(".", "PUNCT"),
                    Map.entry(":", "PUNCT"),
                    Map.entry("``", "PUNCT"),
                    Map.entry("''", "PUNCT"),
                    Map.entry("-LRB-", "PUNCT"),
                    Map.entry("-RRB-", "PUNCT"));

    private UposMapper() {}

    /** The UPOS tag of a token with Penn tag {@code xpos} and UD relation {@code relation}. */
    public static String upos(String xpos, String relation) {
        String rel = relation == null ? "" : relation;
        switch (xpos) {
            case "IN":
                return rel.equals("mark") ? "SCONJ" : "ADP";
            case "TO":
                return rel.equals("case") ? "ADP" : "PART";
            case "VB", "VBD", "VBG", "VBN", "VBP", "VBZ":
                return rel.equals("aux") || rel.equals("aux:pass") || rel.equals("cop")
                        ? "AUX"
                        : "VERB";
            default:
                return BY_TAG.getOrDefault(xpos, "X");
        }
    }
}
