package dev.ouroboros.models;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The TorchScript helpers shipped as class-path resources ({@code ops.pt}: {@link TorchOps}; {@code
 * decode.pt}: the fused decoding step), each loaded once per process onto the CPU (their methods
 * run on their inputs' device).
 */
public final class ScriptModules {
    private static final Map<String, PtSymbolBlock> LOADED = new HashMap<>();
    private static NDManager holder;

    /**
     * Whether this thread has turned libtorch's TorchScript graph optimizer off (the setting is
     * thread-local). The profiling executor re-specialises a method for every new input shape, and
     * decoding calls its methods with a longer key length at every step: with the optimizer on,
     * that cost ~1.1 ms per call (OPT-125m greedy: 48 instead of 34 ms per token,
     * docs/benchmarks.md). The interpreter runs the methods' ops as written.
     */
    private static final ThreadLocal<Boolean> PLAIN_INTERPRETER = new ThreadLocal<>();

    private ScriptModules() {}

    /** The module of {@code resource} (an absolute class-path name), ready on this thread. */
    public static PtSymbolBlock get(String resource) {
        if (PLAIN_INTERPRETER.get() == null) {
            JniUtils.setGraphExecutorOptimize(false);
            PLAIN_INTERPRETER.set(Boolean.TRUE);
        }
        return loaded(resource);
    }

    /** The manager the modules were loaded with (CPU, lives as long as the process). */
    static synchronized NDManager holder() {
        if (holder == null) {
            holder = NDManager.newBaseManager();
        }
        return holder;
    }

    private static synchronized PtSymbolBlock loaded(String resource) {
        PtSymbolBlock module = LOADED.get(resource);
        if (module != null) {
            return module;
        }
        try (InputStream in = ScriptModules.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the classpath");
            }
            Path tmp = Files.createTempFile("ouro-script", ".pt");
            try {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                module =
                        JniUtils.loadModule(
                                (PtNDManager) holder(),
                                tmp,
                                true,
                                new String[0],
                                new String[0],
                                false);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load " + resource, e);
        }
        LOADED.put(resource, module);
        return module;
    }
}
