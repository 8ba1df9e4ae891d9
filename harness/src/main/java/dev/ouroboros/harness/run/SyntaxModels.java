package dev.ouroboros.harness.run;

import dev.ouroboros.datasets.ContentCache;
import dev.ouroboros.eval.syntax.corenlp.CoreNlpModels;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where this machine keeps the CoreNLP models that {@code eval.syntactic} needs: {@code
 * OURO_CORENLP}, else {@code corenlp/4.5.10} under the data cache ({@code OURO_CACHE}, else {@code
 * ~/.cache/ouroboros}; also there when the cache is off). {@code ouro setup corenlp} fills it.
 */
public final class SyntaxModels {
    private SyntaxModels() {}

    /** The models directory of this environment. */
    public static Path dir() {
        return dir(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    static Path dir(Map<String, String> env, Path home) {
        Path root = ContentCache.fromEnvironment(env, home).root();
        return CoreNlpModels.dir(env, root != null ? root : home.resolve(".cache/ouroboros"));
    }

    /** Whether the models are installed in {@link #dir()}. */
    public static boolean present() {
        return CoreNlpModels.present(dir());
    }
}
