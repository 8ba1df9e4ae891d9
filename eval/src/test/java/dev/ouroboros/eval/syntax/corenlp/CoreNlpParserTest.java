package dev.ouroboros.eval.syntax.corenlp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ouroboros.eval.syntax.ParsedSentence;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CoreNLP's output on sentences whose parse its documentation shows. The models come from the
 * models jar on the test classpath (a test-scoped dependency); the pipeline loads once.
 */
class CoreNlpParserTest {
    static CoreNlpParser parser;

    @BeforeAll
    static void load() {
        parser = CoreNlpParser.fromClasspath();
    }

    @Test
    void quickBrownFoxAsNltksCoreNlpDocumentationShowsIt() {
        // nltk.parse.corenlp.CoreNLPDependencyParser docs, CoreNLP server with its default English
        // models, to_conll(4): word, Penn tag, head (1-based, 0 = root), relation:
        // The DT 4 det | quick JJ 4 amod | brown JJ 4 amod | fox NN 5 nsubj | jumps VBZ 0 ROOT |
        // over IN 9 case | the DT 9 det | lazy JJ 9 amod | dog NN 5 obl | . . 5 punct
        List<ParsedSentence> s = parser.parse("The quick brown fox jumps over the lazy dog.");
        assertEquals(1, s.size());
        ParsedSentence p = s.get(0);
        assertEquals(
                List.of("The", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog", "."),
                p.words());
        assertEquals(List.of("DT", "JJ", "JJ", "NN", "VBZ", "IN", "DT", "JJ", "NN", "."), p.xpos());
        assertArrayEquals(new int[] {3, 3, 3, 4, -1, 8, 8, 8, 4, 4}, p.heads());
        assertEquals(
                List.of(
                        "det", "amod", "amod", "nsubj", "root", "case", "det", "amod", "obl",
                        "punct"),
                p.relations());
        // UD v2 UPOS of the same tokens (UD English guidelines: "over" as case marker is ADP)
        assertEquals(
                List.of("DET", "ADJ", "ADJ", "NOUN", "VERB", "ADP", "DET", "ADJ", "NOUN", "PUNCT"),
                p.upos());
    }

    @Test
    void sentencesAreSplitAndAuxiliariesAndMarkersGetTheirUpos() {
        List<ParsedSentence> s =
                parser.parse("The cat was sleeping. She said that he wanted to leave.");
        assertEquals(2, s.size());
        ParsedSentence a = s.get(0);
        assertEquals(List.of("DT", "NN", "VBD", "VBG", "."), a.xpos());
        // "was" is the auxiliary of "sleeping" (UD: aux → AUX); "sleeping" the root
        assertEquals(List.of("det", "nsubj", "aux", "root", "punct"), a.relations());
        assertEquals(List.of("DET", "NOUN", "AUX", "VERB", "PUNCT"), a.upos());
        ParsedSentence b = s.get(1);
        assertEquals(List.of("She", "said", "that", "he", "wanted", "to", "leave", "."), b.words());
        // "that" introduces the complement clause (mark → SCONJ); infinitival "to" is PART
        assertEquals(
                List.of("PRON", "VERB", "SCONJ", "PRON", "VERB", "PART", "VERB", "PUNCT"),
                b.upos());
        assertArrayEquals(new int[] {1, -1, 4, 4, 1, 6, 4, 1}, b.heads());
    }

    @Test
    void aReplacementCharacterFromByteLevelDecodingStaysAToken() {
        List<ParsedSentence> s = parser.parse("Dogs \uFFFD bark.");
        assertEquals(List.of("Dogs", "\uFFFD", "bark", "."), s.get(0).words());
    }
}
