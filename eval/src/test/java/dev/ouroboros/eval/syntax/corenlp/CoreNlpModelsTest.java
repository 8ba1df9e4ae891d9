package dev.ouroboros.eval.syntax.corenlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ouro setup corenlp}'s install step, from the models jar the test classpath holds. */
class CoreNlpModelsTest {
    @Test
    void installsTheTwoModelsFromTheCheckedJar(@TempDir Path dir) throws IOException {
        URL tagger =
                getClass()
                        .getClassLoader()
                        .getResource("edu/stanford/nlp/models/pos-tagger/" + CoreNlpModels.TAGGER);
        Path jar = Path.of(((JarURLConnection) tagger.openConnection()).getJarFileURL().getPath());
        assertEquals(CoreNlpModels.JAR_NAME, jar.getFileName().toString());
        Path models = dir.resolve("corenlp");
        assertFalse(CoreNlpModels.present(models));
        assertTrue(CoreNlpModels.status(models).contains("ouro setup corenlp"));
        CoreNlpModels.install(jar, models);
        assertTrue(CoreNlpModels.present(models));
        try (var in = tagger.openStream()) {
            assertEquals(
                    in.readAllBytes().length, Files.size(models.resolve(CoreNlpModels.TAGGER)));
        }
        assertEquals(
                "CoreNLP " + CoreNlpModels.VERSION + " English models in " + models,
                CoreNlpModels.status(models));
        URL parser =
                getClass()
                        .getClassLoader()
                        .getResource(
                                "edu/stanford/nlp/models/parser/nndep/" + CoreNlpModels.DEPPARSE);
        try (var in = parser.openStream()) {
            assertEquals(
                    in.readAllBytes().length, Files.size(models.resolve(CoreNlpModels.DEPPARSE)));
        }
    }

    @Test
    void anotherJarIsRefusedAndNothingIsMarkedDone(@TempDir Path dir) throws IOException {
        Path fake = dir.resolve(CoreNlpModels.JAR_NAME);
        try (var zip = new ZipOutputStream(Files.newOutputStream(fake))) {
            zip.putNextEntry(
                    new ZipEntry("edu/stanford/nlp/models/pos-tagger/" + CoreNlpModels.TAGGER));
            zip.write(new byte[] {1, 2, 3});
        }
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> CoreNlpModels.install(fake, dir.resolve("models")));
        assertTrue(e.getMessage().startsWith(fake + ": SHA-256 "), e.getMessage());
        assertFalse(CoreNlpModels.present(dir.resolve("models")));
    }

    @Test
    void theDirectoryComesFromTheEnvironmentOrTheCache() {
        Path cache = Path.of("/cache");
        assertEquals(
                Path.of("/cache/corenlp/" + CoreNlpModels.VERSION),
                CoreNlpModels.dir(Map.of(), cache));
        assertEquals(Path.of("/x"), CoreNlpModels.dir(Map.of(CoreNlpModels.ENV, "/x"), cache));
        assertEquals(
                Path.of(
                        "/repo/edu/stanford/nlp/stanford-corenlp/4.5.10/stanford-corenlp-4.5.10-models.jar"),
                CoreNlpModels.inMavenRepository(Path.of("/repo")));
    }
}
