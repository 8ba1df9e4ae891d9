package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generation 0 is computed once per seed and shared by every policy's cell (hard links plus
 * relabelled metrics): the metrics are identical across policies, the files are the same inodes, a
 * kill in the middle of the take-over resumes to the uninterrupted metrics, and with {@code keep:
 * last} the donor keeps its model exactly as long as a cell still needs it.
 */
class Gen0SharingTest {
    @TempDir static Path tmp;
    static TreeMap<String, String> reference;
    static String referenceLog;

    static List<String> config(Path out, String... extra) {
        List<String> o = new ArrayList<>(StudyTestSupport.tiny(out));
        o.addAll(List.of("policies=[accumulate, replace]", "generations=2"));
        o.addAll(List.of(extra));
        return o;
    }

    @BeforeAll
    static void uninterrupted() throws Exception {
        Path out = tmp.resolve("reference");
        StringBuilder log = new StringBuilder();
        assertEquals(0, StudyTestSupport.runChild(config(out), null, log), log.toString());
        reference = StudyTestSupport.rows(out.resolve("study"));
        referenceLog = log.toString();
    }

    @Test
    void generationZeroIsComputedOnceAndSharedExactly() throws Exception {
        Path run = tmp.resolve("reference/study");
        assertTrue(
                referenceLog.contains(
                        "policy=replace seed=3 gen=0: sharing policy=accumulate/seed=3/gen=000"),
                referenceLog);
        // the taker's synthetic set is the donor's: said so, with no 0-blocks/s progress line
        assertTrue(
                referenceLog.contains(
                        "policy=replace seed=3 gen=0: synthesize: shared"
                                + " (policy=accumulate/seed=3/gen=000/synthetic.bin)"),
                referenceLog);
        assertEquals(
                1,
                referenceLog.split("gen 0 synthesize:", -1).length - 1,
                "one progress line, the donor's:\n" + referenceLog);
        assertEquals(
                1,
                referenceLog.split("gen=0: training on", -1).length - 1,
                "generation 0 trained once:\n" + referenceLog);
        Path donor = run.resolve("policy=accumulate/seed=3/gen=000");
        Path taker = run.resolve("policy=replace/seed=3/gen=000");
        assertEquals(
                "policy=accumulate/seed=3/gen=000",
                Files.readString(taker.resolve(Gen0Sharing.ADOPTED)).trim());
        assertTrue(
                Files.isSameFile(donor.resolve("synthetic.bin"), taker.resolve("synthetic.bin")),
                "not a hard link");
        assertTrue(
                Files.isSameFile(
                        donor.resolve("model/model.safetensors"),
                        taker.resolve("model/model.safetensors")));
        // every generation-0 metric of replace equals accumulate's; generation 1 differs (the
        // policies act there)
        int compared = 0;
        for (Map.Entry<String, String> e : reference.entrySet()) {
            if (e.getKey().startsWith("accumulate|3|0|")) {
                assertEquals(
                        e.getValue(),
                        reference.get(e.getKey().replace("accumulate|", "replace|")),
                        e.getKey());
                compared++;
            }
        }
        assertEquals(4, compared, "test, generated, real, synthetic rows at generation 0");
        assertFalse(reference.get("accumulate|3|1|test").equals(reference.get("replace|3|1|test")));
    }

    @Test
    void killDuringTheTakeOverResumes() throws Exception {
        Path out = tmp.resolve("crash");
        StringBuilder log = new StringBuilder();
        assertEquals(
                137, StudyTestSupport.runChild(config(out), "adopt:1", log), "crashed: " + log);
        assertTrue(
                Files.exists(
                        out.resolve("study/policy=replace/seed=3/gen=000")
                                .resolve(Gen0Sharing.ADOPTED)));
        assertFalse(Files.exists(out.resolve("study/policy=replace/seed=3/gen=000/eval.json")));
        assertEquals(0, StudyTestSupport.runChild(config(out), null, log), log.toString());
        assertEquals(reference, StudyTestSupport.rows(out.resolve("study")), log.toString());
    }

    /**
     * keep: last keeps each cell's newest model and generation 0's (the reference that scores every
     * synthetic set); keep: none-but-metrics holds the donor's generation-0 model only until the
     * other cell has shared it, and ends with none.
     */
    @Test
    void keepLastKeepsGen0AndNewestNoneButMetricsHoldsTheDonorOnlyUntilShared() throws Exception {
        Path run = tmp.resolve("keep-last").resolve("study");
        assertEquals(
                List.of(
                        run.resolve("policy=accumulate/seed=3/gen=000/model"),
                        run.resolve("policy=accumulate/seed=3/gen=001/model"),
                        run.resolve("policy=replace/seed=3/gen=000/model"),
                        run.resolve("policy=replace/seed=3/gen=001/model")),
                modelsAfter(tmp.resolve("keep-last"), "keep=last"));
        assertEquals(List.of(), modelsAfter(tmp.resolve("keep-none"), "keep=none-but-metrics"));
    }

    private List<Path> modelsAfter(Path out, String keep) throws Exception {
        StringBuilder log = new StringBuilder();
        assertEquals(0, StudyTestSupport.runChild(config(out, keep), null, log), log.toString());
        assertTrue(log.toString().contains("sharing policy=accumulate"), log.toString());
        assertEquals(reference, StudyTestSupport.rows(out.resolve("study")));
        try (Stream<Path> s = Files.walk(out.resolve("study"))) {
            return s.filter(p -> p.getFileName().toString().equals("model") && Files.isDirectory(p))
                    .sorted()
                    .toList();
        }
    }
}
