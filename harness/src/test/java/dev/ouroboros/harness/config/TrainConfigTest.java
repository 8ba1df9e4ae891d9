package dev.ouroboros.harness.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.train.Trainer;
import dev.ouroboros.models.UserInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainConfigTest {
    @TempDir Path tmp;

    private static final String BASE =
            String.join(
                    "\n",
                    "out: runs/x",
                    "model:",
                    "  tokenizer: tok",
                    "data:",
                    "  train: a.txt",
                    "  validation: b.txt",
                    "");

    @Test
    void shippedTinyConfigParsesWithOverrides() {
        Path file = Path.of("../configs/train-tiny.yaml");
        TrainConfig c =
                TrainConfig.load(
                        file, List.of("optim.lr=3e-4", "train.epochs=2", "schedule.kind=linear"));
        assertEquals(3e-4, c.training().optim().lr());
        assertEquals(2, c.training().train().epochs());
        assertEquals(Schedule.Kind.LINEAR, c.training().schedule().kind());
        assertEquals(dev.ouroboros.models.PrecisionChoice.FP32, c.precision());
    }

    @Test
    void defaultsFillEverythingElse() {
        TrainConfig c = TrainConfig.parse(BASE, "x.yaml", List.of());
        assertEquals(0.9, c.training().optim().beta1());
        assertEquals(1.0, c.training().optim().maxGradNorm());
        assertEquals(null, c.model().dropout());
        assertEquals(1, c.training().train().accumulation());
    }

    @Test
    void unknownKeyInFileSaysDidYouMean() {
        UserInputException e =
                assertThrows(
                        UserInputException.class,
                        () ->
                                TrainConfig.parse(
                                        BASE + "optim:\n  learning_rat: 1e-3\n",
                                        "x.yaml",
                                        List.of()));
        assertTrue(e.getMessage().contains("unknown key 'optim.learning_rat'"), e.getMessage());
        UserInputException e2 =
                assertThrows(
                        UserInputException.class,
                        () ->
                                TrainConfig.parse(
                                        BASE + "optim:\n  weight_decy: 0.1\n",
                                        "x.yaml",
                                        List.of()));
        assertTrue(e2.getMessage().contains("did you mean 'optim.weight_decay'?"), e2.getMessage());
        UserInputException e3 =
                assertThrows(
                        UserInputException.class,
                        () ->
                                TrainConfig.parse(
                                        BASE + "trian:\n  epochs: 3\n", "x.yaml", List.of()));
        assertTrue(e3.getMessage().contains("did you mean 'train'?"), e3.getMessage());
    }

    @Test
    void unknownOverrideSaysDidYouMean() {
        UserInputException e =
                assertThrows(
                        UserInputException.class,
                        () -> TrainConfig.parse(BASE, "x.yaml", List.of("train.epoch=3")));
        assertTrue(e.getMessage().contains("did you mean 'train.epochs'?"), e.getMessage());
        assertThrows(
                UserInputException.class,
                () -> TrainConfig.parse(BASE, "x.yaml", List.of("train")));
    }

    @Test
    void badValuesAreUserErrors() {
        UserInputException type =
                assertThrows(
                        UserInputException.class,
                        () -> TrainConfig.parse(BASE, "x.yaml", List.of("train.epochs=many")));
        assertTrue(
                type.getMessage().contains("train.epochs") || type.getMessage().contains("epochs"),
                type.getMessage());
        UserInputException acc =
                assertThrows(
                        UserInputException.class,
                        () ->
                                TrainConfig.parse(
                                        BASE,
                                        "x.yaml",
                                        List.of("train.batch_size=6", "train.micro_batch_size=4")));
        assertTrue(acc.getMessage().contains("multiple"), acc.getMessage());
        UserInputException kind =
                assertThrows(
                        UserInputException.class,
                        () -> TrainConfig.parse(BASE, "x.yaml", List.of("schedule.kind=cosin")));
        assertTrue(kind.getMessage().contains("constant | linear | cosine"), kind.getMessage());
        assertThrows(
                UserInputException.class,
                () -> TrainConfig.parse("- a\n- b\n", "x.yaml", List.of()));
        assertThrows(
                UserInputException.class, () -> TrainConfig.parse("a: [\n", "x.yaml", List.of()));
    }

    @Test
    void precisionAndLossScalingAreValidated() {
        TrainConfig c = TrainConfig.parse(BASE, "x.yaml", List.of("precision=bf16"));
        assertEquals(
                dev.ouroboros.models.Precision.BF16,
                Trainer.checkPrecision(c.precision().fixed(), ai.djl.Device.cpu()));
        assertEquals(65536.0, c.training().optim().lossScaleInit());
        assertEquals(2000, c.training().optim().lossScaleGrowthInterval());
        UserInputException e =
                assertThrows(
                        UserInputException.class,
                        () -> TrainConfig.parse(BASE, "x.yaml", List.of("precision=fp8")));
        assertTrue(e.getMessage().contains("precision"), e.getMessage());
        e =
                assertThrows(
                        UserInputException.class,
                        () ->
                                TrainConfig.parse(
                                        BASE, "x.yaml", List.of("optim.loss_scale_init=0")));
        assertTrue(
                e.getMessage().contains("optim.loss_scale_init must be positive"), e.getMessage());
        e =
                assertThrows(
                        UserInputException.class,
                        () ->
                                TrainConfig.parse(
                                        BASE,
                                        "x.yaml",
                                        List.of("optim.loss_scale_growth_interval=0")));
        assertTrue(
                e.getMessage().contains("optim.loss_scale_growth_interval must be positive"),
                e.getMessage());
    }

    @Test
    void missingFileIsAUserError() throws Exception {
        assertThrows(
                UserInputException.class,
                () -> TrainConfig.load(tmp.resolve("nope.yaml"), List.of()));
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, BASE);
        assertEquals("runs/x", TrainConfig.load(f, List.of()).out());
    }
}
