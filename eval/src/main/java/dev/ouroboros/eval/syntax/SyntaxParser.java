package dev.ouroboros.eval.syntax;

import java.util.List;

/**
 * Splits text into sentences and parses each into a dependency tree. The one implementation is
 * {@code corenlp.CoreNlpParser}; the rest of Ouroboros sees only this interface, so CoreNLP is
 * loaded only when a syntactic metric is asked for.
 */
public interface SyntaxParser {
    /** The sentences of {@code text}, in order, each parsed. */
    List<ParsedSentence> parse(String text);

    /** A short description for logs and manifests, e.g. {@code CoreNLP 4.5.10 (english_UD)}. */
    String describe();
}
