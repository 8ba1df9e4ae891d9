package dev.ouroboros.eval.semantic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.models.encoder.SentenceEncoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SemanticCosineTest {
    static final Path FIXTURE = Path.of("../models/src/test/resources/encoder");

    @Test
    void meanPairwiseDistanceByHand() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            // e0 = (1, 0), e1 = (0, 2), e2 = (−3, 0): cos01 = 0, cos02 = −1, cos12 = 0
            // mean cos over the 6 ordered pairs = 2·(0 − 1 + 0) / 6 = −1/3 → distance 4/3
            var e = m.create(new float[] {1, 0, 0, 2, -3, 0}, new ai.djl.ndarray.types.Shape(3, 2));
            assertEquals(4.0 / 3.0, SemanticCosine.meanPairwiseDistance(e), 1e-7);
            // identical directions: distance 0, whatever the lengths
            var same = m.create(new float[] {1, 1, 5, 5}, new ai.djl.ndarray.types.Shape(2, 2));
            assertEquals(0, SemanticCosine.meanPairwiseDistance(same), 1e-7);
        }
    }

    /** The encoder fixture's sentences: the distance HF embeddings give, computed in float64. */
    @Test
    void matchesTheDistanceOfTransformersEmbeddings() throws IOException {
        JsonNode exp = new ObjectMapper().readTree(FIXTURE.resolve("expected.json").toFile());
        List<String> sentences = new ArrayList<>();
        exp.get("sentences").forEach(s -> sentences.add(s.asText()));
        try (SentenceEncoder enc = SentenceEncoder.load(FIXTURE.resolve("model"), Device.cpu())) {
            double d = SemanticCosine.of(enc, sentences);
            double want = exp.get("mean_cosine_distance").asDouble();
            assertTrue(want > 0.05, "fixture too degenerate: " + want);
            assertEquals(want, d, 1e-6);
            assertTrue(Double.isNaN(SemanticCosine.of(enc, sentences.subList(0, 1))));
        }
    }
}
