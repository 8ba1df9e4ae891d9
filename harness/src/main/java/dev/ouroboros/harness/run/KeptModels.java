package dev.ouroboros.harness.run;

import static dev.ouroboros.models.io.FileTrees.deleteTree;

import dev.ouroboros.harness.config.ConfigWords;
import dev.ouroboros.harness.config.Init;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.function.Consumer;

/**
 * The kept models of DONE generations, checked against the checksums their DONE records before a
 * resume loads one. A model that fails is named in one line and trained again exactly as it was
 * (same training set, same seed, from scratch or from the previous generation's model, itself
 * checked first); the new files must have the recorded checksums, else the resume is refused:
 * training was not reproducible here, so the generations after it cannot be continued from it.
 */
final class KeptModels {
    /** Trains generation t of a cell into {@code runDir} (train.jsonl, checkpoint/ there). */
    interface Fit {
        LanguageModel fit(Cell c, int t, Path runDir);
    }

    private final RunConfig cfg;
    private final Path root;
    private final OptTokenizer tokenizer;
    private final Consumer<String> console;
    private final Fit fit;

    KeptModels(
            RunConfig cfg, Path root, OptTokenizer tokenizer, Consumer<String> console, Fit fit) {
        this.cfg = cfg;
        this.root = root;
        this.tokenizer = tokenizer;
        this.console = console;
        this.fit = fit;
    }

    /**
     * Makes sure DONE generation t of {@code c} has the model its DONE recorded: checked, and
     * trained again when it fails ({@code c} holds at least S_1..S_t).
     */
    void trust(Cell c, int t) {
        Path g = c.gen(t);
        String bad = DoneRecord.modelMismatch(g);
        if (bad == null) {
            return;
        }
        if (t > 0
                && cfg.init() == Init.PREVIOUS
                && !Files.isDirectory(c.gen(t - 1).resolve("model"))) {
            throw new UserInputException(
                    bad
                            + "; it cannot be trained again: "
                            + c.gen(t - 1).getFileName()
                            + "'s model was not kept (keep: "
                            + ConfigWords.word(cfg.keep())
                            + "); run the cell again (delete "
                            + relative(c.dir())
                            + ")");
        }
        console.accept(bad + ": training " + g.getFileName() + " again");
        Path work = g.resolve("model.recompute");
        Cell upTo =
                new Cell(
                        c.policy(),
                        c.seed(),
                        c.dir(),
                        c.real(),
                        new ArrayList<>(c.synthetic().subList(0, t)),
                        new ArrayList<>(c.eligible().subList(0, t)));
        try {
            deleteTree(work);
            Files.createDirectories(work);
            try (LanguageModel m = fit.fit(upTo, t, work)) {
                m.save(work.resolve("model"));
                tokenizer.save(work.resolve("model"));
            }
            String differs = DoneRecord.read(g).modelMismatchIn(g, work);
            if (differs != null) {
                deleteTree(work);
                throw new UserInputException(
                        bad
                                + "; training it again gave other weights ("
                                + differs
                                + "): training is not reproducible here (another device or"
                                + " precision?), so the generations after it cannot be continued;"
                                + " run the cell again (delete "
                                + relative(c.dir())
                                + ")");
            }
            deleteTree(g.resolve("model"));
            Files.move(work.resolve("model"), g.resolve("model"), StandardCopyOption.ATOMIC_MOVE);
            deleteTree(work);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        console.accept(relative(g.resolve("model")) + ": trained again, identical to its record");
    }

    private String relative(Path p) {
        return root.relativize(p).toString().replace('\\', '/');
    }
}
