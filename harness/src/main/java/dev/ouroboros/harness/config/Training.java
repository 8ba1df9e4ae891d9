package dev.ouroboros.harness.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.datasets.BlockSource;
import dev.ouroboros.harness.train.Optim;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.Precision;
import dev.ouroboros.models.PrecisionChoice;
import dev.ouroboros.models.UserInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * How a model trains — the sections {@code precision}, {@code optim}, {@code schedule}, {@code
 * train}, {@code checkpoint} and {@code log} that {@code ouro train} and {@code ouro run} share
 * (their defaults: {@code dev/ouroboros/harness/train/training-defaults.yaml}). {@link
 * dev.ouroboros.harness.train.Trainer} takes it once {@code precision} is resolved ({@link
 * #withPrecision}).
 *
 * <p>{@link RunConfig} and {@link TrainConfig} each hold one; in YAML its sections stay top-level
 * keys ({@link YamlConfig#nestTraining}, {@link YamlConfig#flatTree}).
 */
public record Training(
        PrecisionChoice precision,
        Optim optim,
        Schedule schedule,
        TrainSection train,
        CheckpointPolicy checkpoint,
        LogSettings log) {

    public Training {
        checkAcrossSections(optim, schedule);
    }

    /** The names of these sections: top-level keys in YAML. */
    public static final List<String> SECTIONS =
            List.of("precision", "optim", "schedule", "train", "checkpoint", "log");

    /** These settings with {@code precision} fixed to what {@code auto} resolved to. */
    public Training withPrecision(Precision resolved) {
        return new Training(PrecisionChoice.of(resolved), optim, schedule, train, checkpoint, log);
    }

    /** The checks that span sections (each section checks its own values). */
    private static void checkAcrossSections(Optim optim, Schedule schedule) {
        if (!(schedule.etaMin() < optim.lr())) {
            throw new UserInputException(
                    "config: schedule.eta_min must be in [0, optim.lr), got "
                            + schedule.etaMin()
                            + " (lr "
                            + optim.lr()
                            + ")");
        }
    }

    /** The defaults of these sections (and of {@code device} and {@code model}). */
    public static final String DEFAULTS = "/dev/ouroboros/harness/train/training-defaults.yaml";

    /**
     * What a checkpoint must agree with to be resumed: everything that determines the numbers (not
     * {@code checkpoint}, {@code log}, the device, or any path, so a run directory can move), the
     * model's config, and the content of the training and validation blocks.
     */
    public String fingerprint(
            long seed, OptConfig model, BlockSource train, BlockSource validation) {
        if (precision.isAuto()) {
            throw new IllegalStateException("the fingerprint of precision auto: resolve it first");
        }
        ObjectNode n = YamlConfig.YAML.valueToTree(this);
        n.remove("checkpoint");
        n.remove("log");
        withoutOrderDefaults((ObjectNode) n.get("train"));
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(YamlConfig.YAML.writeValueAsBytes(n));
            d.update(
                    ("seed=" + seed + "\n" + model + "\n")
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            digest(d, train);
            digest(d, validation);
            return HexFormat.of().formatHex(d.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Removes {@code write_order} (it changes no number) and {@code shuffle} when true (what every
     * run made before the key existed did), so their hashes stay what they were.
     */
    public static void withoutOrderDefaults(ObjectNode train) {
        train.remove("write_order");
        if (train.path("shuffle").asBoolean(false)) {
            train.remove("shuffle");
        }
    }

    private static void digest(MessageDigest d, BlockSource blocks) {
        int b = blocks.blockSize();
        int[] ids = new int[b];
        ByteBuffer buf = ByteBuffer.allocate(4 * b).order(ByteOrder.LITTLE_ENDIAN);
        d.update(ByteBuffer.allocate(8).putInt(blocks.count()).putInt(b).flip());
        for (int i = 0; i < blocks.count(); i++) {
            blocks.read(i, ids, 0);
            buf.clear();
            buf.asIntBuffer().put(ids);
            d.update(buf.array());
        }
    }
}
