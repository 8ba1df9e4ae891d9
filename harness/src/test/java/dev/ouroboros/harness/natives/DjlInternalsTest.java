package dev.ouroboros.harness.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.Platform;
import org.junit.jupiter.api.Test;

/** The private DJL 0.35.1 code setup and doctor reach by reflection is still there. */
class DjlInternalsTest {
    @Test
    void theReflectedMethodsAndFieldsExist() throws Exception {
        Engine.getInstance();
        assertEquals("cpu", DjlInternals.loadedFlavor());
        Class<?> lib = DjlInternals.libTorchClass();
        assertNotNull(LibUtils.class.getDeclaredMethod("downloadPyTorch", Platform.class));
        assertNotNull(LibUtils.class.getDeclaredMethod("findJniLibrary", lib));
        assertNotNull(lib.getDeclaredField("dir"));
        assertNotNull(lib.getDeclaredField("flavor"));
    }
}
