package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.eval.report.PerSamplePpl;
import dev.ouroboros.harness.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A study on a wikitext-format directory (wiki.{train,valid,test}.raw) with a BPE tokenizer, the
 * curated replace policy and init: previous: training on a curated S_1 sees exactly the synthetic
 * blocks at or below the 0.75-quantile of their generation-0 perplexity.
 */
class WikitextCurateStudyTest {
    static final Path GOLDEN =
            Path.of("../models/src/test/resources/golden").toAbsolutePath().normalize();

    @Test
    void wikitextDirectoryWithCuration(@TempDir Path tmp) throws Exception {
        Path wiki = tmp.resolve("wikitext");
        Files.createDirectories(wiki);
        String text = Files.readString(GOLDEN.resolve("eval.txt"));
        Files.writeString(wiki.resolve("wiki.train.raw"), text.repeat(3));
        Files.writeString(wiki.resolve("wiki.valid.raw"), text);
        Files.writeString(wiki.resolve("wiki.test.raw"), text);
        CliRun r =
                CliRun.of(
                        "run",
                        StudyTestSupport.SMOKE.toString(),
                        "out=" + tmp,
                        "name=wiki",
                        "data.corpus=wikitext2",
                        "data.path=" + wiki,
                        "model.tokenizer=" + GOLDEN.resolve("tokenizer"),
                        "data.block_size=16",
                        "generate.new_tokens=16",
                        "data.max_train_blocks=40",
                        "policies=[replace+curate:0.75]",
                        "seeds=[0]",
                        "generations=2",
                        "init=previous",
                        "train.epochs=1",
                        "generate.num_beams=2",
                        "eval.diversity_prompts=4");
        assertEquals(0, r.exitCode(), r.err());
        Path run = tmp.resolve("wiki");
        List<MetricsRow> rows = MetricsLog.read(run.resolve("metrics.jsonl")).rows();
        assertTrue(
                rows.stream()
                        .anyMatch(
                                x ->
                                        x.generation() == 1
                                                && x.metrics().containsKey("ppl_blocks16")));
        double[] ppl =
                PerSamplePpl.read(
                                run.resolve("policy=replace+curate:0.75/seed=0/gen=000/eval.json"))
                        .get("synthetic");
        assertEquals(40, ppl.length);
        // generation 1 trained on the curated S_1: the 30 of 40 blocks at or below the
        // 0.75-quantile → 2 steps of 16
        // (all 40 would take 3), while generation 0 trained on the 40 real blocks
        String gen0 =
                Files.readString(
                        run.resolve("policy=replace+curate:0.75/seed=0/gen=000/train.jsonl"));
        String gen1 =
                Files.readString(
                        run.resolve("policy=replace+curate:0.75/seed=0/gen=001/train.jsonl"));
        assertTrue(gen0.contains("\"total_steps\":3"), gen0);
        assertTrue(gen1.contains("\"total_steps\":2"), gen1);
        long kept =
                java.util.Arrays.stream(ppl)
                        .filter(
                                v ->
                                        v
                                                <= dev.ouroboros.eval.report.Distribution.quantile(
                                                        ppl, 0.75))
                        .count();
        assertEquals(30, kept, "no ties at the cut");
    }
}
