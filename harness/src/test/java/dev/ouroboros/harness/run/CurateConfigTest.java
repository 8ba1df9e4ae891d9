package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keep-real:0.1+curate:0.5} trained generation 0, then died in generation 1 with "cannot
 * draw 22 of 12 items" and a stack trace (exit 1). Run and validate now refuse it when the config
 * is read, in one line, before anything is made.
 */
class CurateConfigTest {
    @TempDir Path tmp;

    @Test
    void aCurationCutBelowThePolicysDrawIsRefusedByRunAndValidate() {
        for (String verb : List.of("run", "validate")) {
            List<String> args = new ArrayList<>(List.of(verb, StudyTestSupport.SMOKE.toString()));
            args.addAll(StudyTestSupport.tiny(tmp));
            args.add("policies=[keep-real:0.1+curate:0.5]");
            CliRun r = CliRun.of(args.toArray(String[]::new));
            String all = r.out() + r.err();
            assertEquals(2, r.exitCode(), all);
            assertTrue(
                    all.contains(
                            "keep-real:0.1 draws 90.0% of N from a synthetic set, but curate:0.5"
                                    + " keeps only about 50.0% of it"),
                    all);
            assertFalse(all.contains("\tat "), all);
        }
        assertFalse(Files.exists(tmp.resolve("study")), "nothing made");
    }
}
