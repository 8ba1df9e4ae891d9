package dev.ouroboros.harness.natives;

import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.Platform;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;

/**
 * The parts of DJL 0.35.1's {@code ai.djl.pytorch.jni.LibUtils} that are private but that {@code
 * ouro setup} and {@code ouro doctor} need, reached by reflection so that setup downloads exactly
 * as the engine would: {@code downloadPyTorch(Platform)} (libtorch from publish.djl.ai into DJL's
 * cache, honouring PYTORCH_FLAVOR and DJL_CACHE_DIR), {@code findJniLibrary(LibTorch)} (the
 * matching JNI: from the pytorch-jni jar, else downloaded) and the loaded library's flavor. A DJL
 * upgrade that changes them fails {@code DjlInternalsTest}, not a user's setup.
 */
final class DjlInternals {
    private DjlInternals() {}

    /** A libtorch DJL found or fetched: its directory and flavor. */
    record Libtorch(Path dir, String flavor, Object handle) {}

    /** DJL's own download of libtorch {@code platform} (flavor from PYTORCH_FLAVOR). */
    static Libtorch downloadPyTorch(Platform platform) throws Throwable {
        Object lib = invoke("downloadPyTorch", new Class<?>[] {Platform.class}, platform);
        return describe(lib);
    }

    /** DJL's own lookup of the JNI matching {@code lib}: extracted or downloaded into the cache. */
    static Path findJniLibrary(Libtorch lib) throws Throwable {
        return (Path) invoke("findJniLibrary", new Class<?>[] {libTorchClass()}, lib.handle());
    }

    /** The flavor of the libtorch this process loaded, or null if DJL does not tell. */
    static String loadedFlavor() {
        try {
            Field f = LibUtils.class.getDeclaredField("libTorch");
            f.setAccessible(true);
            Object lib = f.get(null);
            return lib == null ? null : describe(lib).flavor();
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    static Class<?> libTorchClass() throws ClassNotFoundException {
        return Class.forName("ai.djl.pytorch.jni.LibUtils$LibTorch");
    }

    private static Libtorch describe(Object lib) throws ReflectiveOperationException {
        Class<?> c = libTorchClass();
        Field dir = c.getDeclaredField("dir");
        Field flavor = c.getDeclaredField("flavor");
        dir.setAccessible(true);
        flavor.setAccessible(true);
        return new Libtorch((Path) dir.get(lib), (String) flavor.get(lib), lib);
    }

    private static Object invoke(String name, Class<?>[] types, Object... args) throws Throwable {
        Method m;
        try {
            m = LibUtils.class.getDeclaredMethod(name, types);
            m.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(
                    "DJL's LibUtils." + name + " is not there (a DJL other than 0.35.1?)", e);
        }
        try {
            return m.invoke(null, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
