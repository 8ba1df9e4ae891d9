package dev.ouroboros.harness.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ouro validate} and {@code ouro run} share one validation path: every value is checked when
 * the config is loaded, so a bad value is refused by both with the same one line and exit 2, before
 * any data is prepared (no run directory appears), and a config validate passes is one run starts.
 */
class OneValidationPathTest {
    static final Path CONFIGS = Path.of("../configs").toAbsolutePath().normalize();
    static final Path SMOKE = CONFIGS.resolve("smoke.yaml");

    @TempDir Path tmp;

    /** A bad override and a piece of the one-line message both commands must print. */
    record Bad(String override, String says) {}

    static final List<Bad> BAD =
            List.of(
                    new Bad("optim.lr=0", "optim.lr must be positive, got 0.0"),
                    new Bad("optim.lr=-1e-3", "optim.lr must be positive"),
                    new Bad("optim.eps=0", "optim.eps must be positive"),
                    new Bad("optim.beta1=1", "optim.beta1 and optim.beta2 must be in [0, 1)"),
                    new Bad("optim.weight_decay=-0.1", "optim.weight_decay must be >= 0"),
                    new Bad("optim.max_grad_norm=-1", "optim.max_grad_norm must be >= 0"),
                    new Bad("optim.loss_scale_init=0", "optim.loss_scale_init must be positive"),
                    new Bad(
                            "train.micro_batch_size=6",
                            "train.batch_size 16 is not a multiple of train.micro_batch_size 6"),
                    new Bad("train.epochs=0", "train.epochs must be positive"),
                    new Bad("train.eval_batch_size=0", "train.eval_batch_size must be positive"),
                    new Bad("train.max_steps=-1", "train.max_steps must be >= 0"),
                    new Bad("schedule.eta_min=1", "schedule.eta_min must be in [0, optim.lr)"),
                    new Bad(
                            "schedule.kind=cosin",
                            "schedule.kind must be one of constant | linear | cosine, got 'cosin'"),
                    new Bad("schedule.cycle=epochs", "schedule.cycle must be one of run | epoch"),
                    new Bad("schedule.warmup_steps=-5", "schedule.warmup_steps must be >= 0"),
                    new Bad("checkpoint.every_steps=0", "checkpoint.every_steps must be positive"),
                    new Bad("log.every_steps=0", "log.every_steps must be positive"),
                    new Bad(
                            "generate.new_tokens=16",
                            "generate.new_tokens (16) must equal data.block_size (32)"),
                    new Bad(
                            "generate.mode=beams",
                            "generate.mode must be one of beam | greedy | sample"),
                    new Bad("generate.top_p=0", "generate.top_p must be in (0, 1]"),
                    new Bad("generate.num_beams=0", "generate.num_beams must be positive"),
                    new Bad("eval.batch_size=0", "eval.batch_size must be positive"),
                    new Bad(
                            "generate.batch_size=0",
                            "generate.batch_size must be a positive integer or auto, got '0'"),
                    new Bad("keep=lastt", "keep must be one of all | last | none-but-metrics"),
                    new Bad("init=prev", "init must be one of base | previous | scratch"),
                    new Bad("init=base", "init is 'base' but model.base is not set"),
                    new Bad("precision=fp8", "precision must be one of auto | fp32 | fp16 | bf16"),
                    new Bad("device=tpu", "device 'tpu': expected auto, cpu, cuda or cuda:N"),
                    new Bad("kind=gauss", "kind must be one of lm | gaussian"),
                    new Bad("data.corpus=wiki", "data.corpus must be one of ground-truth"),
                    new Bad("data.corpus=text", "data.path is required for data.corpus 'text'"),
                    new Bad("data.block_size=1", "data.block_size must be at least 2"),
                    new Bad("data.max_train_blocks=-1", "data.max_train_blocks must be >= 0"),
                    new Bad(
                            "data.wikitext_lines=rows",
                            "data.wikitext_lines must be one of raw | hf"),
                    new Bad("model.hidden_size=0", "model.hidden_size must be positive"),
                    new Bad("model.dropout=1.5", "model.dropout must be in [0, 1)"),
                    new Bad("model.tokenizer=bpe:x", "expected bpe:<vocab size>"),
                    new Bad("policies=[replac]", "replac"),
                    new Bad("policies=[replace,replace]", "policies and seeds must not repeat"),
                    new Bad("seeds=[]", "seeds must list at least one seed"),
                    new Bad("generations=0", "generations must be at least 1"),
                    new Bad("name=../../etc", "must be one directory name under `out`"),
                    new Bad("name=/tmp/abs", "must be one directory name under `out`"),
                    new Bad("name=a/b", "must be one directory name under `out`"),
                    new Bad("name=..", "must be one directory name under `out`"));

    @TestFactory
    Stream<DynamicTest> validateAndRunRefuseEachBadValueAlikeBeforePreparingData() {
        return BAD.stream()
                .map(
                        b ->
                                DynamicTest.dynamicTest(
                                        b.override(),
                                        () -> {
                                            List<String> args =
                                                    List.of(
                                                            SMOKE.toString(),
                                                            "out=" + tmp,
                                                            "name=bad",
                                                            b.override());
                                            CliRun v = cli("validate", args);
                                            CliRun r = cli("run", args);
                                            assertEquals(2, v.exitCode(), v.out() + v.err());
                                            assertEquals(2, r.exitCode(), r.out() + r.err());
                                            String vLine = line(v.out(), "✗ config: ");
                                            assertTrue(
                                                    vLine.contains(b.says()),
                                                    "validate: " + v.out());
                                            List<String> rLines = r.err().strip().lines().toList();
                                            assertEquals(1, rLines.size(), "run: " + r.err());
                                            assertTrue(
                                                    rLines.get(0).contains(b.says()),
                                                    "run: " + r.err());
                                            assertFalse(
                                                    Files.exists(tmp.resolve("bad")),
                                                    "run prepared " + tmp.resolve("bad"));
                                        }));
    }

    /**
     * Every shipped study config (and combinations of overrides) passes validate's config check iff
     * run accepts it.
     */
    @TestFactory
    Stream<DynamicTest> validateAcceptsWhatRunAccepts() throws IOException {
        List<List<String>> combos =
                List.of(
                        List.of(),
                        List.of("precision=bf16"),
                        List.of("model.tokenizer=bpe:4000", "data.corpus=text", "data.path=x.txt"),
                        List.of("init=scratch", "keep=none-but-metrics", "schedule.kind=linear"),
                        List.of("generate.mode=sample", "generate.top_p=0.9", "generate.top_k=50"),
                        List.of("policies=[keep-real:0.1,accumulate-subsample,mix:0.2,0.3,0.5]"));
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> s = Files.list(CONFIGS)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                if (p.getFileName().toString().startsWith("train-")) {
                    continue; // ouro train's config
                }
                for (List<String> combo : combos) {
                    tests.add(
                            DynamicTest.dynamicTest(
                                    p.getFileName() + " " + combo,
                                    () -> {
                                        List<String> args = new ArrayList<>(List.of(p.toString()));
                                        args.addAll(combo);
                                        boolean loads;
                                        String why = "";
                                        try {
                                            dev.ouroboros.harness.config.RunConfig.load(
                                                    p, args.subList(1, args.size()));
                                            loads = true;
                                        } catch (dev.ouroboros.models.UserInputException e) {
                                            loads = false;
                                            why = e.getMessage();
                                        }
                                        CliRun v = cli("validate", args);
                                        assertEquals(
                                                loads,
                                                v.out().contains("✓ config "),
                                                why + " | " + v.out());
                                    }));
                }
            }
        }
        return tests.stream();
    }

    private static CliRun cli(String verb, List<String> args) {
        List<String> all = new ArrayList<>(List.of(verb));
        all.addAll(args);
        return CliRun.of(all.toArray(String[]::new));
    }

    private static String line(String text, String prefix) {
        return text.lines()
                .filter(l -> l.startsWith(prefix))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line '" + prefix + "' in: " + text));
    }
}
