package dev.ouroboros.harness.train;

import dev.ouroboros.models.Attention;
import dev.ouroboros.models.LanguageModel;
import java.util.function.Consumer;

/**
 * CUDA determinism mode (docs/design.md#determinism-on-cuda), on unless {@code
 * OURO_DETERMINISTIC=0} (or {@code -Douro.deterministic=false}): on a GPU, training computes
 * attention with the eager kernels (matmul + softmax, no atomics) instead of SDPA, whose
 * memory-efficient / flash backward accumulates with atomics and differs in the last bits from run
 * to run; cuBLAS needs {@code CUBLAS_WORKSPACE_CONFIG=:4096:8}, which {@code scripts/ouro} sets
 * before the JVM starts (libtorch reads it when it makes its cuBLAS handle, so Java cannot set it
 * itself). libtorch's {@code setDeterministicAlgorithms} is not reachable from DJL 0.35.1 (no JNI
 * binding; {@code torch.use_deterministic_algorithms} cannot be scripted), so nothing checks the
 * kernels; the training path was audited instead (docs/design.md). On the CPU the mode changes
 * nothing (libtorch's CPU kernels are deterministic for a fixed thread count).
 */
public final class Determinism {
    /** The workspace setting cuBLAS is deterministic with. */
    public static final String CUBLAS_WORKSPACE = ":4096:8";

    private Determinism() {}

    /** Whether the mode is on: {@code -Douro.deterministic}, else {@code OURO_DETERMINISTIC}. */
    public static boolean enabled() {
        String v = System.getProperty("ouro.deterministic");
        if (v == null) {
            v = System.getenv("OURO_DETERMINISTIC");
        }
        return v == null || !(v.equals("0") || v.equalsIgnoreCase("false"));
    }

    /**
     * Applies the mode to training {@code model}: on a GPU with the mode on, eager attention (said
     * in one line, with a warning when {@code CUBLAS_WORKSPACE_CONFIG} is not set). Returns what to
     * restore when training ends (decoding keeps SDPA: its forward kernels are deterministic).
     */
    static Runnable forTraining(LanguageModel model, Consumer<String> console) {
        if (!enabled() || !model.device().isGpu()) {
            return () -> {};
        }
        String ws = System.getenv("CUBLAS_WORKSPACE_CONFIG");
        if (ws == null || ws.isBlank()) {
            console.accept(
                    "warning: CUBLAS_WORKSPACE_CONFIG is not set: cuBLAS may choose nondeterministic"
                            + " algorithms; run through scripts/ouro or export"
                            + " CUBLAS_WORKSPACE_CONFIG="
                            + CUBLAS_WORKSPACE);
        }
        Attention before = model.block().attention();
        if (before == Attention.EAGER) {
            console.accept("determinism: on (eager attention; OURO_DETERMINISTIC=0 turns it off)");
            return () -> {};
        }
        console.accept(
                "determinism: on: training attention sdpa -> eager (run-to-run bit-identical on this"
                        + " GPU; OURO_DETERMINISTIC=0 keeps SDPA)");
        model.attention(Attention.EAGER);
        return () -> model.attention(before);
    }
}
