package dev.ouroboros.eval.diversity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompressionRatioTest {
    static final List<String> TEXTS =
            List.of(
                    "the cat sat on the mat .",
                    "the dog sat on the log .",
                    "a bird flew over the house and the cat watched it");

    @Test
    void matchesPythonGzipCompressAtLevel9() {
        // Python 3: s = ' '.join(TEXTS).encode(); len(s) = 99, len(gzip.compress(s)) = 89
        // (compresslevel 9, its default); for the tag string below 77 and 47.
        assertEquals(99.0 / 89.0, CompressionRatio.of(TEXTS), 1e-15);
        String tags =
                "DT NN VBD IN DT NN . DT NN VBD IN DT NN . DT NN VBD IN DT NN CC DT NN VBD PRP";
        assertEquals(77.0 / 47.0, CompressionRatio.of(List.of(tags)), 1e-15);
    }

    @Test
    void level9IsNoWorseThanTheDefaultLevel() throws IOException {
        byte[] in =
                String.join(" ", Collections.nCopies(50, String.join(" ", TEXTS)))
                        .getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
        try (var gz = new java.util.zip.GZIPOutputStream(sink)) { // level 6
            gz.write(in);
        }
        assertTrue(CompressionRatio.gzipSize(in) <= sink.size());
    }

    @Test
    void repetitionRaisesTheRatio() {
        double once = CompressionRatio.of(TEXTS);
        double repeated = CompressionRatio.of(Collections.nCopies(20, TEXTS.get(0)));
        assertTrue(repeated > 3 * once, repeated + " vs " + once);
        assertTrue(Double.isNaN(CompressionRatio.of(List.of())));
        assertTrue(Double.isNaN(CompressionRatio.of(List.of(""))));
    }
}
