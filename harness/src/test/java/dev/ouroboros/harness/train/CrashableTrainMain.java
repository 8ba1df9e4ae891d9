package dev.ouroboros.harness.train;

import dev.ouroboros.harness.config.TrainConfig;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptWeights;
import dev.ouroboros.models.io.Safetensors;
import java.nio.file.Path;
import java.util.Map;

/**
 * A training run in its own JVM for {@link KillAndResumeTest}: {@code main(out, pauseAfterStep,
 * overrides…)} trains the tiny config (dropout 0.1, so the dropout RNG matters) into {@code out},
 * printing {@code STEP n} after every step; with {@code pauseAfterStep >= 0} it prints {@code
 * PAUSED} after that step and sleeps, to be killed with SIGKILL. The weights after the last step
 * are written to {@code out/final.safetensors}.
 */
public final class CrashableTrainMain {
    private CrashableTrainMain() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        long pauseAfter = Long.parseLong(args[1]);
        TrainConfig cfg =
                KillAndResumeTest.config(out, java.util.Arrays.copyOfRange(args, 2, args.length));
        LanguageModel[] current = new LanguageModel[1];
        long[] total = new long[1];
        TrainRun.execute(
                cfg,
                line -> System.err.println(line),
                new Trainer.Listener() {
                    @Override
                    public void beforeStep(long step, LanguageModel model) {
                        current[0] = model;
                    }

                    @Override
                    public void stepFigures(long step, TrainStep.Result r) {
                        System.out.println(
                                "STEP "
                                        + (step + 1)
                                        + " loss "
                                        + r.loss()
                                        + (r.skipped() ? " skipped" : "")
                                        + " scale "
                                        + r.lossScale());
                        System.out.flush();
                    }

                    @Override
                    public boolean wantsFigures(long step) {
                        return step + 1 == pauseAfter; // its loss line before the pause
                    }

                    @Override
                    public void afterStep(long step) {
                        if (step + 1 == KillAndResumeTest.TOTAL_STEPS) {
                            Safetensors.write(
                                    out.resolve("final.safetensors"),
                                    OptWeights.stateDict(current[0].block()),
                                    Map.of());
                        }
                        if (step + 1 == pauseAfter) {
                            System.out.println("PAUSED");
                            System.out.flush();
                            try {
                                Thread.sleep(120_000);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }
                });
        System.out.println("FINISHED");
        System.out.flush();
    }
}
