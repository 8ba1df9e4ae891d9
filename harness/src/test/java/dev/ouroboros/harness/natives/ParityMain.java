package dev.ouroboros.harness.natives;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import dev.ouroboros.harness.Ouro;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptConfig;
import java.util.HexFormat;

/**
 * The child of {@link LibraryPathOverrideTest}: prints where libtorch came from, the logits of a
 * seeded tiny OPT as hex float bits, and what {@code ouro doctor} says here.
 */
public final class ParityMain {
    private ParityMain() {}

    public static void main(String[] args) {
        String logits = logits();
        System.out.println("libtorch=" + LibUtils.getLibtorchPath());
        System.out.println("logits=" + logits);
        System.out.println("doctor-exit=" + Ouro.run("doctor"));
        System.out.flush();
        System.exit(0);
    }

    /**
     * The logits of a random-init tiny OPT (seed 7) on 12 tokens, as the hex of their fp32 bits.
     */
    static String logits() {
        ai.djl.engine.Engine.getInstance(); // loads libtorch before the first JniUtils call
        JniUtils.setNumThreads(1);
        OptConfig cfg = OptConfig.tiny(96, 32, 2, 4, 64, 32);
        long[][] ids = {{2, 5, 17, 33, 8, 90, 41, 3, 3, 60, 12, 7}};
        long[][] mask = {{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}};
        try (LanguageModel m = LanguageModel.random(cfg, 7, Device.cpu());
                NDManager nd = m.manager().newSubManager()) {
            float[] v = m.logits(nd, ids, mask).toFloatArray();
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * v.length);
            b.asFloatBuffer().put(v);
            return HexFormat.of().formatHex(b.array());
        }
    }
}
