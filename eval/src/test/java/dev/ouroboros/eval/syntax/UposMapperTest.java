package dev.ouroboros.eval.syntax;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The UD English conversion of Penn tags, with the relation deciding the ambiguous ones. */
class UposMapperTest {
    @Test
    void ambiguousTagsFollowTheRelation() {
        assertEquals("SCONJ", UposMapper.upos("IN", "mark")); // "that he left"
        assertEquals("ADP", UposMapper.upos("IN", "case")); // "over the dog"
        assertEquals("PART", UposMapper.upos("TO", "mark")); // "to leave"
        assertEquals("ADP", UposMapper.upos("TO", "case")); // "to the house"
        assertEquals("AUX", UposMapper.upos("VBD", "aux")); // "was sleeping"
        assertEquals("AUX", UposMapper.upos("VBD", "aux:pass")); // "was submitted"
        assertEquals("AUX", UposMapper.upos("VBZ", "cop")); // "is nice"
        assertEquals("VERB", UposMapper.upos("VBZ", "root"));
        assertEquals("AUX", UposMapper.upos("MD", "aux"));
    }

    @Test
    void theRestByTag() {
        assertEquals("PROPN", UposMapper.upos("NNP", "nsubj"));
        assertEquals("PRON", UposMapper.upos("PRP$", "nmod:poss"));
        assertEquals("PART", UposMapper.upos("POS", "case"));
        assertEquals("PUNCT", UposMapper.upos("-LRB-", "punct"));
        assertEquals("SYM", UposMapper.upos("$", "dep"));
        assertEquals("X", UposMapper.upos("UNKNOWN-TAG", "dep"));
    }
}
