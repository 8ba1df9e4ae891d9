package dev.ouroboros.harness.cli;

import ai.djl.Device;
import dev.ouroboros.datasets.ContentCache;
import dev.ouroboros.datasets.Corpus;
import dev.ouroboros.datasets.TextCorpora;
import dev.ouroboros.datasets.Wikitext2;
import dev.ouroboros.harness.config.ConfigWords;
import dev.ouroboros.harness.config.RecordedPrecision;
import dev.ouroboros.harness.natives.Diagnosis;
import dev.ouroboros.harness.natives.NativeFacts;
import dev.ouroboros.harness.run.DiskEstimate;
import dev.ouroboros.harness.run.RunConfig;
import dev.ouroboros.harness.run.RunConfig.Data.CorpusKind;
import dev.ouroboros.harness.train.Init;
import dev.ouroboros.harness.train.ModelConfig;
import dev.ouroboros.harness.train.Trainer;
import dev.ouroboros.models.Accelerators;
import dev.ouroboros.models.Devices;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.Placement;
import dev.ouroboros.models.io.RawTensor;
import dev.ouroboros.models.io.StateDicts;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ouro validate CONFIG [key=value ...]}: checks a study can start, without training. */
@Command(
        name = "validate",
        mixinStandardHelpOptions = true,
        description = {
            "Check a run config without training: config, model files, tokenizer, data, disk, device.",
            "The checks: the config, the model files (config.json, weights, tokenizer), tokenizer/vocab agreement,",
            "the corpus, disk space for the planned checkpoints and synthetic sets, and the device DJL picks.",
            "Prints a checklist; exit 0 when every check passes, 2 otherwise."
        })
public final class ValidateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CONFIG")
    Path config;

    @Parameters(
            index = "1..*",
            paramLabel = "KEY=VALUE",
            description = "Dotted overrides, as for ouro run.")
    List<String> overrides = new ArrayList<>();

    private final List<String> lines = new ArrayList<>();
    private boolean ok = true;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            check(out);
        } finally {
            out.println(ok ? "valid: " + config : "NOT valid: " + config);
            out.flush();
        }
        return ok ? 0 : ExitCode.BAD_INPUT;
    }

    /** Where prepared data is shared ({@code OURO_CACHE}); an unusable cache is not a failure. */
    static String cacheLine(ContentCache cache) {
        if (cache.root() == null) {
            return "data cache: off (" + ContentCache.ENV + ")";
        }
        String problem = cache.problem();
        return problem == null
                ? "data cache "
                        + cache.root()
                        + " ("
                        + ContentCache.ENV
                        + "): trained tokenizers and token blocks are shared between run directories"
                : "data cache "
                        + cache.root()
                        + ": "
                        + problem
                        + "; each run directory will prepare its own data";
    }

    private void pass(PrintWriter out, String s) {
        out.println("✓ " + s);
    }

    private void fail(PrintWriter out, String s) {
        ok = false;
        out.println("✗ " + s);
    }

    private void check(PrintWriter out) {
        RunConfig cfg;
        Placement placement = null;
        String placementError = null;
        try {
            cfg = RunConfig.load(config, overrides); // every value is checked here, as for run
            try { // as ouro run resolves it: a precision recorded by the run directory wins
                Path recorded = cfg.runDir().resolve("config.resolved.yaml");
                placement =
                        Placement.resolve(
                                cfg.device(),
                                cfg.precision(),
                                RecordedPrecision.in(recorded),
                                recorded.toString(),
                                Accelerators::djl);
            } catch (RuntimeException e) {
                placementError = e.getMessage();
            }
            pass(
                    out,
                    "config "
                            + config
                            + ": name "
                            + cfg.name()
                            + ", "
                            + cfg.policies().size()
                            + " policies x "
                            + cfg.seeds().size()
                            + " seeds x "
                            + cfg.generations()
                            + " generations (hash "
                            + (placement != null
                                    ? cfg.withPrecision(placement.precision()).hash()
                                    : "unknown: the device does not resolve")
                            + ")");
        } catch (RuntimeException e) {
            fail(out, "config: " + e.getMessage());
            return;
        }
        ModelConfig m = cfg.model();

        // model files
        long params = -1;
        int configVocab = m.vocabSize();
        if (m.base() != null) {
            Path base = Path.of(m.base());
            if (!Files.isDirectory(base)) {
                fail(
                        out,
                        "model.base "
                                + base
                                + ": no such directory (scripts/fetch-opt125m.sh "
                                + base
                                + ")");
            } else {
                try {
                    OptConfig oc = OptConfig.read(base);
                    configVocab = oc.vocabSize();
                    pass(
                            out,
                            "model.base "
                                    + base
                                    + "/config.json: OPT "
                                    + oc.numHiddenLayers()
                                    + " layers, hidden "
                                    + oc.hiddenSize()
                                    + ", vocab "
                                    + oc.vocabSize());
                } catch (RuntimeException e) {
                    fail(out, "model.base " + base + ": config.json: " + e.getMessage());
                }
                try {
                    Map<String, RawTensor> sd = StateDicts.read(base);
                    params = sd.values().stream().mapToLong(RawTensor::numel).sum();
                    pass(
                            out,
                            "model.base "
                                    + base
                                    + ": weights readable, "
                                    + sd.size()
                                    + " tensors, "
                                    + params
                                    + " parameters");
                } catch (RuntimeException e) {
                    fail(out, "model.base " + base + ": weights: " + e.getMessage());
                }
            }
        } else if (cfg.init() == Init.BASE) {
            fail(out, "model.base: init is 'base' but model.base is not set");
        }
        String tokDir = m.tokenizer() != null ? m.tokenizer() : m.base();
        if (tokDir != null && tokDir.startsWith("bpe:")) {
            pass(
                    out,
                    "tokenizer "
                            + tokDir
                            + ": a byte-level BPE trained on the train split when the run starts");
        } else if (tokDir != null) {
            Path t = Path.of(tokDir);
            if (!Files.isDirectory(t)) {
                fail(out, "tokenizer " + t + ": no such directory");
            } else {
                try (OptTokenizer tok = OptTokenizer.load(t)) {
                    if (configVocab > 0 && tok.idLimit() > configVocab) {
                        fail(
                                out,
                                "tokenizer "
                                        + t
                                        + ": "
                                        + tok.idLimit()
                                        + " ids (0.."
                                        + (tok.idLimit() - 1)
                                        + "), more than the model's vocab_size "
                                        + configVocab);
                    } else {
                        pass(
                                out,
                                "tokenizer "
                                        + t
                                        + ": "
                                        + tok.vocabSize()
                                        + " tokens"
                                        + (configVocab > 0
                                                ? " ≤ vocab_size " + configVocab
                                                : " (vocab_size from the tokenizer)"));
                    }
                } catch (RuntimeException e) {
                    fail(out, "tokenizer " + t + ": " + e.getMessage());
                }
            }
        } else if (cfg.data().corpus() == CorpusKind.GROUND_TRUTH) {
            int words =
                    new dev.ouroboros.datasets.GroundTruthLanguage(
                                    dev.ouroboros.datasets.GroundTruthLanguage.Config.defaults(
                                            cfg.data().groundTruth().seed()))
                            .vocabulary()
                            .size();
            int tokens = words + dev.ouroboros.datasets.WordLevelTokenizer.SPECIALS.size();
            if (configVocab <= 0) {
                configVocab = (tokens + 7) / 8 * 8; // as the random init rounds it
            }
            pass(
                    out,
                    "tokenizer: the ground-truth language's word-level tokenizer (built in), "
                            + tokens
                            + " tokens");
        } else {
            fail(
                    out,
                    "tokenizer: model.tokenizer (or model.base) is required for data.corpus '"
                            + ConfigWords.word(cfg.data().corpus())
                            + "'");
        }

        // data
        long trainChars = -1;
        RunConfig.Data d = cfg.data();
        if (d.corpus() == CorpusKind.GROUND_TRUTH) {
            pass(
                    out,
                    "data: ground-truth language (built in), "
                            + d.groundTruth().trainLines()
                            + " train lines");
        } else {
            Path p = Path.of(d.path());
            if (!Files.exists(p)) {
                fail(
                        out,
                        "data.path "
                                + p
                                + ": does not exist"
                                + (d.corpus() == CorpusKind.WIKITEXT2
                                        ? " (scripts/fetch-wikitext2.sh)"
                                        : ""));
            } else {
                try {
                    Corpus c =
                            d.corpus() == CorpusKind.WIKITEXT2
                                    ? Wikitext2.load(p)
                                    : TextCorpora.load(
                                            p,
                                            d.validationFraction(),
                                            d.testFraction(),
                                            cfg.seeds().get(0));
                    trainChars = c.train().lines().stream().mapToLong(String::length).sum();
                    pass(
                            out,
                            "data "
                                    + p
                                    + ": "
                                    + c.train().size()
                                    + " / "
                                    + c.validation().size()
                                    + " / "
                                    + c.test().size()
                                    + " train / validation / test lines");
                } catch (RuntimeException e) {
                    fail(out, "data " + p + ": " + e.getMessage());
                }
            }
        }

        pass(
                out,
                cacheLine(
                        ContentCache.fromEnvironment(
                                System.getenv(), Path.of(System.getProperty("user.home")))));

        // disk
        if (params < 0) {
            try { // OPT's 50272 when no tokenizer tells the vocabulary
                params = DiskEstimate.params(m.randomInit(configVocab > 0 ? configVocab : 50272));
            } catch (RuntimeException e) {
                fail(out, "model: " + e.getMessage());
                params = 0;
            }
        }
        long blocks =
                d.maxTrainBlocks() > 0
                        ? d.maxTrainBlocks()
                        : trainChars > 0
                                ? trainChars / 4 / d.blockSize()
                                : d.groundTruth().trainLines();
        DiskEstimate est = DiskEstimate.of(cfg, params, blocks);
        long cells = cfg.policies().size() * (long) cfg.seeds().size();
        long need = est.bytes();
        long modelBytes = est.modelBytes();
        long models = est.models();
        long syntheticSets = est.syntheticSets();
        Path outDir = cfg.runDir().toAbsolutePath().normalize();
        Path existing = outDir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            long free = Files.getFileStore(existing).getUsableSpace();
            String what =
                    "disk: ~"
                            + DiskEstimate.human(need)
                            + " planned ("
                            + DiskEstimate.human(modelBytes)
                            + " per model x "
                            + models
                            + " kept over "
                            + cells
                            + " cells, + "
                            + syntheticSets
                            + " synthetic sets and a checkpoint), "
                            + DiskEstimate.human(free)
                            + " free at "
                            + existing;
            if (free >= need) {
                pass(out, what);
            } else {
                fail(out, what);
            }
        } catch (IOException | RuntimeException e) {
            fail(
                    out,
                    "disk: cannot measure free space at " + existing + " (" + e.getMessage() + ")");
        }

        // device, and the native setup behind it (doctor's short form; its problems are warnings)
        if (placement != null) {
            Device dev = placement.device();
            Trainer.checkPrecision(placement.precision(), dev);
            pass(
                    out,
                    "device "
                            + (dev.isGpu() ? "gpu:" + dev.getDeviceId() : "cpu")
                            + ": DJL runs on "
                            + Devices.describe(dev)
                            + " ("
                            + placement.line()
                            + ")");
        } else {
            fail(out, "device " + cfg.device() + ": " + placementError);
        }
        NativeFacts natives = NativeFacts.probe();
        out.println("  " + DoctorCommand.summary(natives));
        for (String p : Diagnosis.problems(natives)) {
            out.println("  ! " + p + " (ouro doctor)");
        }
    }
}
