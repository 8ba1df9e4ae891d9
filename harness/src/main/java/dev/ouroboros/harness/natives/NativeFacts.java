package dev.ouroboros.harness.natives;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.ClassLoaderUtils;
import ai.djl.util.Platform;
import ai.djl.util.Utils;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.MemoryUsage;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * What {@code ouro doctor} knows about the native side of this process: which libtorch DJL loaded
 * (version, flavor, directory), the JNI it was built against, the native jars on the classpath, the
 * GPUs CUDA's runtime sees, DJL's cache and the environment variables DJL reads. {@link #probe()}
 * gathers them (loading the engine); tests build or alter one to inject a fault ({@link
 * Diagnosis}).
 *
 * @param djlVersion DJL's version, e.g. {@code 0.35.1}
 * @param expectedLibtorch the libtorch this DJL's JNI is built for ({@code
 *     pytorch-engine.properties})
 * @param engine {@code PyTorch 2.7.1}, or null when the engine did not load
 * @param loadError the engine's load failure as one line, or null
 * @param libtorchVersion the loaded libtorch's version (null if none loaded)
 * @param libtorchDir the directory it was loaded from
 * @param flavor its flavor as DJL names it ({@code cpu}, {@code cu128}, …)
 * @param cudaBuild whether it has CUDA kernels
 * @param jniVersion {@code jni_version} of the pytorch-jni jar on the classpath (null if none)
 * @param classpathNatives the pytorch-native jars on the classpath
 * @param gpusInBox GPUs CUDA's runtime sees
 * @param cudaRuntime the CUDA runtime version ({@code 128}), or null without a GPU
 * @param gpus each GPU's compute capability and memory
 * @param cacheDir DJL's PyTorch cache ({@code DJL_CACHE_DIR}/pytorch, default ~/.djl.ai/pytorch)
 * @param cached the libtorch directories in it
 * @param settings the variables DJL reads (from the environment, else system properties), set or
 *     not, in a fixed order
 */
public record NativeFacts(
        String djlVersion,
        String expectedLibtorch,
        String engine,
        String loadError,
        String libtorchVersion,
        String libtorchDir,
        String flavor,
        boolean cudaBuild,
        String jniVersion,
        List<ClasspathNative> classpathNatives,
        int gpusInBox,
        String cudaRuntime,
        List<Gpu> gpus,
        String cacheDir,
        List<String> cached,
        Map<String, String> settings) {

    /** The settings doctor reports (and DJL reads). */
    public static final List<String> SETTINGS =
            List.of(
                    "PYTORCH_FLAVOR",
                    "PYTORCH_VERSION",
                    "PYTORCH_LIBRARY_PATH",
                    "DJL_CACHE_DIR",
                    "ENGINE_CACHE_DIR",
                    "DJL_OFFLINE");

    /** A {@code native/lib/pytorch.properties} on the classpath: a pytorch-native jar. */
    public record ClasspathNative(String flavor, String version, String classifier, String where) {}

    /** One GPU: compute capability as DJL spells it ({@code 90}), memory in bytes. */
    public record Gpu(int id, String capability, long totalBytes, long usedBytes) {}

    public NativeFacts {
        classpathNatives = List.copyOf(classpathNatives);
        gpus = List.copyOf(gpus);
        cached = List.copyOf(cached);
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    /** The value DJL sees for {@code name}, or null. */
    public String setting(String name) {
        String v = settings.get(name);
        return v == null || v.isEmpty() ? null : v;
    }

    /**
     * This snapshot with {@code name} set to {@code value} (null unsets it): a fault for a test.
     */
    public NativeFacts withSetting(String name, String value) {
        Map<String, String> s = new LinkedHashMap<>(settings);
        s.put(name, value);
        return new NativeFacts(
                djlVersion,
                expectedLibtorch,
                engine,
                loadError,
                libtorchVersion,
                libtorchDir,
                flavor,
                cudaBuild,
                jniVersion,
                classpathNatives,
                gpusInBox,
                cudaRuntime,
                gpus,
                cacheDir,
                cached,
                s);
    }

    /** Gathers the facts of this process; loads the engine (a load failure is recorded). */
    public static NativeFacts probe() {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String name : SETTINGS) {
            settings.put(
                    name,
                    name.equals("DJL_OFFLINE") // DJL's property for it has another name
                            ? Utils.getenv(name, System.getProperty("ai.djl.offline"))
                            : Utils.getEnvOrSystemProperty(name));
        }
        Platform system = Platform.fromSystem("pytorch");
        List<ClasspathNative> natives = probeClasspathNatives();
        String jni = probeJniVersion();
        Path cache = Utils.getEngineCacheDir("pytorch");
        String engine = null;
        String error = null;
        String version = null;
        String dir = null;
        String flavor = null;
        boolean cuda = false;
        try {
            Engine e = Engine.getInstance();
            engine = e.getEngineName() + " " + e.getVersion();
            cuda = e.hasCapability(StandardCapabilities.CUDA);
            version = LibUtils.getVersion();
            dir = LibUtils.getLibtorchPath();
            flavor = DjlInternals.loadedFlavor();
            if (flavor == null) {
                flavor = cuda ? "cuda" : "cpu";
            }
        } catch (RuntimeException | LinkageError e) {
            error = oneLine(e);
        }
        int gpus = CudaUtils.getGpuCount();
        String runtime = null;
        List<Gpu> list = new ArrayList<>();
        if (gpus > 0) {
            try {
                runtime = CudaUtils.getCudaVersionString();
            } catch (RuntimeException e) {
                runtime = "? (" + oneLine(e) + ")";
            }
            for (int i = 0; i < gpus; i++) {
                String cc;
                long total = -1;
                long used = -1;
                try {
                    cc = CudaUtils.getComputeCapability(i);
                } catch (RuntimeException e) {
                    cc = "?";
                }
                try {
                    MemoryUsage m = CudaUtils.getGpuMemory(Device.gpu(i));
                    total = m.getMax();
                    used = m.getUsed();
                } catch (RuntimeException e) {
                    // reported as unknown
                }
                list.add(new Gpu(i, cc, total, used));
            }
        }
        return new NativeFacts(
                Engine.getDjlVersion(),
                system.getVersion(),
                engine,
                error,
                version,
                dir,
                flavor,
                cuda,
                jni,
                natives,
                gpus,
                runtime,
                list,
                cache.toString(),
                cachedDirs(cache),
                settings);
    }

    /** The pytorch-native jars on the classpath (without loading the engine). */
    public static List<ClasspathNative> probeClasspathNatives() {
        List<ClasspathNative> out = new ArrayList<>();
        try {
            Enumeration<URL> urls =
                    ClassLoaderUtils.getContextClassLoader()
                            .getResources("native/lib/pytorch.properties");
            while (urls.hasMoreElements()) {
                URL url = urls.nextElement();
                Properties p = new Properties();
                try (InputStream in = url.openStream()) {
                    p.load(in);
                }
                String where = url.toString();
                int bang = where.indexOf("!/");
                if (bang > 0) {
                    where = where.substring(0, bang);
                }
                where = where.replaceFirst("^jar:", "").replaceFirst("^file:", "");
                out.add(
                        new ClasspathNative(
                                p.getProperty("flavor", "?"),
                                p.getProperty("version", "?"),
                                p.getProperty("classifier", "?"),
                                where));
            }
        } catch (IOException e) {
            // none readable: reported as none
        }
        return out;
    }

    private static String probeJniVersion() {
        Properties p = new Properties();
        try {
            URL url = ClassLoaderUtils.getResource("jnilib/pytorch.properties");
            if (url == null) {
                return null;
            }
            try (InputStream in = url.openStream()) {
                p.load(in);
            }
            return p.getProperty("jni_version");
        } catch (IOException e) {
            return null;
        }
    }

    private static List<String> cachedDirs(Path cache) {
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cache)) {
            return s.filter(p -> Files.isRegularFile(p.resolve(System.mapLibraryName("torch"))))
                    .map(p -> p.getFileName().toString())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The first line of {@code t}'s message and of its deepest cause, named by type. */
    static String oneLine(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = first(t);
        if (root != t) {
            msg += " (" + root.getClass().getSimpleName() + ": " + first(root) + ")";
        }
        return msg;
    }

    private static String first(Throwable t) {
        String m = t.getMessage();
        if (m == null) {
            return t.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).trim();
    }
}
