package dev.ouroboros.harness.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.harness.config.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Paths and helpers shared by the training tests. */
final class TrainFixtures {
    private TrainFixtures() {}

    /**
     * One intra-op thread for this test JVM: the CI/dev boxes are 2 shared cores, where two OpenMP
     * threads competing with other processes made tiny steps 10x slower; results are also
     * independent of the core count this way.
     */
    static void singleThread() {
        ai.djl.engine.Engine.getInstance();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
    }

    /** models/src/test/resources/golden, from the harness module's working directory. */
    static Path golden() {
        for (Path p :
                new Path[] {
                    Path.of("../models/src/test/resources/golden"),
                    Path.of("models/src/test/resources/golden")
                }) {
            if (Files.isDirectory(p)) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException(
                "golden fixtures not found from " + Path.of("").toAbsolutePath());
    }

    static Path tokenizer() {
        return golden().resolve("tokenizer");
    }

    static Path evalText() {
        return golden().resolve("eval.txt");
    }

    /** Copies an HF checkpoint directory, setting {@code dropout} in its config.json. */
    static Path copyWithDropout(Path src, Path dst, double dropout) throws IOException {
        Files.createDirectories(dst);
        try (Stream<Path> s = Files.list(src)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                Files.copy(f, dst.resolve(f.getFileName().toString()));
            }
        }
        ObjectMapper m = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) m.readTree(dst.resolve("config.json").toFile());
        cfg.put("dropout", dropout);
        m.writeValue(dst.resolve("config.json").toFile(), cfg);
        return dst;
    }

    static long[][] longs2(JsonNode n) {
        long[][] out = new long[n.size()][];
        for (int i = 0; i < n.size(); i++) {
            out[i] = new long[n.get(i).size()];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = n.get(i).get(j).asLong();
            }
        }
        return out;
    }

    /** A config for tiny from-scratch runs on the golden eval.txt, plus overrides. */
    static TrainConfig tinyConfig(Path out, String... overrides) {
        List<String> o =
                new ArrayList<>(
                        List.of(
                                "out=" + out,
                                "model.tokenizer=" + tokenizer(),
                                "model.hidden_size=32",
                                "model.num_hidden_layers=2",
                                "model.num_attention_heads=4",
                                "model.ffn_dim=64",
                                "model.max_position_embeddings=32",
                                "data.train=" + evalText(),
                                "data.validation=" + evalText(),
                                "data.block_size=16",
                                "train.batch_size=8",
                                "train.micro_batch_size=4",
                                "log.every_steps=5"));
        o.addAll(List.of(overrides));
        return TrainConfig.parse("", "test", o);
    }
}
