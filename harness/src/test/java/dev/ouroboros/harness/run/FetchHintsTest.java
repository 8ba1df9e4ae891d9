package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.config.RunConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code validate} suggests a fetch script for a missing path only where the script fills it:
 * OPT-125m for a base named so, wikitext-2 for a wikitext2 corpus named so; a researcher's own base
 * or corpus gets the plain "no such directory" / "does not exist".
 */
class FetchHintsTest {
    @TempDir Path tmp;

    @Test
    void hintsOnlyWhereTheScriptWouldHelp() {
        assertEquals(
                " (scripts/fetch-opt125m.sh checkpoints/opt-125m downloads facebook/opt-125m"
                        + " there)",
                FetchHints.base(Path.of("checkpoints/opt-125m")));
        assertEquals("", FetchHints.base(Path.of("runs/base/tiny-4x96")));
        assertEquals(
                " (scripts/fetch-wikitext2.sh data/wikitext-2 downloads wikitext-2-raw-v1 there)",
                FetchHints.wikitext2(Path.of("data/wikitext-2")));
        assertEquals(
                " (scripts/fetch-wikitext2.sh data downloads wikitext-2-raw-v1 there)",
                FetchHints.wikitext2(Path.of("data/wikitext-2-raw-v1")));
        assertEquals("", FetchHints.wikitext2(Path.of("corpora/simple-english")));
    }

    @Test
    void thePlanSaysSo() {
        String own = problem("init=base", "model.base=" + tmp.resolve("my-base"));
        assertTrue(own.contains("no such directory"), own);
        assertFalse(own.contains("fetch-opt125m"), own);
        String opt = problem("init=base", "model.base=" + tmp.resolve("opt-125m"));
        assertTrue(opt.contains("scripts/fetch-opt125m.sh"), opt);
        String corpus =
                problem("data.corpus=wikitext2", "data.path=" + tmp.resolve("simple-english"));
        assertTrue(corpus.contains("does not exist"), corpus);
        assertFalse(corpus.contains("fetch-wikitext2"), corpus);
        String wiki = problem("data.corpus=wikitext2", "data.path=" + tmp.resolve("wikitext-2"));
        assertTrue(wiki.contains("scripts/fetch-wikitext2.sh"), wiki);
    }

    private String problem(String... overrides) {
        List<String> o = new java.util.ArrayList<>(List.of("out=" + tmp.resolve("runs")));
        o.addAll(List.of(overrides));
        if (o.stream().anyMatch(s -> s.startsWith("data.corpus"))) {
            o.add("model.tokenizer=bpe:300");
        }
        return StudyPlan.of(RunConfig.load(StudyTestSupport.SMOKE, o)).firstProblem();
    }
}
