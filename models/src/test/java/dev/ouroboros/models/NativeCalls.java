package dev.ouroboros.models;

import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import net.bytebuddy.agent.ByteBuddyAgent;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

/**
 * Counts the crossings into libtorch that DJL 0.35.1 makes on the calling thread, by method: every
 * outermost call of a public method of {@code JniUtils}, {@code IValueUtils} or {@code IValue} (the
 * only classes that call {@code PyTorchLibrary}'s natives) — including those DJL makes on the
 * caller's behalf, such as the scalar array behind {@code add(Number)}.
 *
 * <p>Two kinds are host syncs on CUDA: an {@linkplain #UPLOADS upload} ({@code torchFromBlob} of
 * Java data, then a blocking copy to the device: every {@code NDManager.create}, and every
 * operation with a plain number) and a {@linkplain #READS read} (a copy of device memory to the
 * host, or a value libtorch had to read from the device). Syncs inside a TorchScript method (e.g.
 * {@code nonzero}) are not seen here; docs/benchmarks.md lists those of ops.pt.
 *
 * <p>Installs a byte-code advice into those three classes through the attach API on first use
 * (tests only; byte-buddy-agent).
 */
public final class NativeCalls {
    /** Host → device: Java data copied into a libtorch tensor on the array's device. */
    public static final Set<String> UPLOADS = Set.of("JniUtils.createNdFromByteBuffer");

    /** Device → host, or a value read back from the device. */
    public static final Set<String> READS =
            Set.of(
                    "JniUtils.getByteBuffer",
                    "JniUtils.nonZeros",
                    "JniUtils.booleanMask",
                    "JniUtils.unique",
                    "JniUtils.contentEqual",
                    "IValue.toBoolean",
                    "IValue.toLong",
                    "IValue.toDouble",
                    "IValue.toLongArray",
                    "IValue.toDoubleArray",
                    "IValue.toBooleanArray");

    private static final ThreadLocal<Map<String, Long>> ACTIVE = new ThreadLocal<>();
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);
    private static boolean installed;

    private NativeCalls() {}

    /** What a piece of code crossed into libtorch, by {@code Class.method}. */
    public record Count(Map<String, Long> byMethod) {
        public long total() {
            return byMethod.values().stream().mapToLong(Long::longValue).sum();
        }

        public long uploads() {
            return of(UPLOADS);
        }

        public long reads() {
            return of(READS);
        }

        /** Uploads + reads: what waits for the device on CUDA. */
        public long syncs() {
            return uploads() + reads();
        }

        private long of(Set<String> names) {
            return byMethod.entrySet().stream()
                    .filter(e -> names.contains(e.getKey()))
                    .mapToLong(Map.Entry::getValue)
                    .sum();
        }

        @Override
        public String toString() {
            return total() + " calls, " + uploads() + " uploads, " + reads() + " reads " + byMethod;
        }
    }

    /**
     * Runs {@code body} on this thread and counts its crossings (nested counts are not allowed).
     */
    public static Count during(Runnable body) {
        install();
        if (ACTIVE.get() != null) {
            throw new IllegalStateException("NativeCalls.during does not nest");
        }
        Map<String, Long> counts = new TreeMap<>();
        ACTIVE.set(counts);
        try {
            body.run();
        } finally {
            ACTIVE.remove();
        }
        return new Count(counts);
    }

    private static synchronized void install() {
        if (installed) {
            return;
        }
        ByteBuddyAgent.install();
        new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
                .with(AgentBuilder.TypeStrategy.Default.REDEFINE)
                .type(
                        named("ai.djl.pytorch.jni.JniUtils")
                                .or(named("ai.djl.pytorch.jni.IValueUtils"))
                                .or(named("ai.djl.pytorch.jni.IValue")))
                .transform(
                        (builder, type, loader, module, domain) ->
                                builder.visit(
                                        Advice.to(Probe.class).on(isMethod().and(isPublic()))))
                .installOnByteBuddyAgent();
        installed = true;
    }

    /** Called by the advice on entry of an instrumented method ({@code simpleClass.method}). */
    public static void enter(String method) {
        int[] depth = DEPTH.get();
        if (depth[0]++ == 0) {
            Map<String, Long> counts = ACTIVE.get();
            if (counts != null) {
                counts.merge(
                        method.substring(method.lastIndexOf('.', method.lastIndexOf('.') - 1) + 1),
                        1L,
                        Long::sum);
            }
        }
    }

    /** Called by the advice on exit (normal or by exception). */
    public static void exit() {
        DEPTH.get()[0]--;
    }

    /** The advice inlined into the instrumented methods. */
    public static final class Probe {
        private Probe() {}

        @Advice.OnMethodEnter
        static void enter(@Advice.Origin("#t.#m") String method) {
            NativeCalls.enter(method);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit() {
            NativeCalls.exit();
        }
    }
}
