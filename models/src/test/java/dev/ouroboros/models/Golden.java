package dev.ouroboros.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden fixtures made by scripts/golden/make_fixtures.py from HF transformers (see
 * golden/README.md).
 */
public final class Golden {
    private Golden() {}

    public static final String[] CASES = {
        "pre_ln_tied_safetensors",
        "post_ln_proj_gelu_fp16_bin",
        "untied_nobias_noaffine_bf16_sharded"
    };

    /** The golden directory, from any module's working directory. */
    public static Path dir() {
        for (Path p :
                new Path[] {
                    Path.of("src/test/resources/golden"),
                    Path.of("../models/src/test/resources/golden")
                }) {
            if (Files.isDirectory(p)) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException(
                "golden fixtures not found from " + Path.of("").toAbsolutePath());
    }

    public static Path model(String name) {
        return dir().resolve(name).resolve("model");
    }

    public static JsonNode expected(String name) {
        try {
            return new ObjectMapper()
                    .readTree(dir().resolve(name).resolve("expected.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static long[][] longs2(JsonNode n) {
        long[][] out = new long[n.size()][];
        for (int i = 0; i < n.size(); i++) {
            out[i] = new long[n.get(i).size()];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = n.get(i).get(j).asLong();
            }
        }
        return out;
    }

    public static double[] doubles(JsonNode n) {
        double[] out = new double[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asDouble();
        }
        return out;
    }
}
