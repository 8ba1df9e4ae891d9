package dev.ouroboros.harness.natives;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.Platform;
import ai.djl.util.Utils;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code ouro setup}: puts libtorch and its JNI into DJL's cache (DJL_CACHE_DIR, default ~/.djl.ai)
 * through DJL's own download code, so that compute nodes sharing that cache start offline: DJL
 * looks there first and downloads nothing when the directory for the flavor is complete. {@code
 * cu128} is fetched from publish.djl.ai (the CUDA build is not on Maven Central); {@code cpu} is
 * unpacked from the pytorch-native-cpu jar when the jar is the CPU build, fetched otherwise.
 */
public final class LibtorchSetup {
    /** The flavors DJL 0.35.1 publishes for libtorch 2.7.1 that Ouroboros builds for. */
    public static final List<String> FLAVORS = List.of("cpu", "cu128");

    private LibtorchSetup() {}

    /** Where it went. */
    public record Result(Path dir, String flavor, String version, Path jni, boolean fromJar) {}

    /**
     * Fetches {@code flavor} (null: PYTORCH_FLAVOR, else cpu); {@code console} gets progress lines.
     * A fault of the network or of the cache is a {@link UserInputException} naming the URL.
     */
    public static Result run(String flavor, Consumer<String> console) {
        String want = flavor(flavor);
        Platform system = Platform.fromSystem("pytorch");
        String version = system.getVersion();
        requireUnpinned(version);
        System.setProperty("PYTORCH_FLAVOR", want); // what downloadPyTorch and the JNI lookup read
        Path cache = Utils.getEngineCacheDir("pytorch");
        boolean cpuJar =
                NativeFacts.probeClasspathNatives().stream()
                        .anyMatch(n -> n.flavor().equals("cpu"));
        if (want.equals("cpu") && cpuJar) {
            console.accept(
                    "setup: unpacking the CPU libtorch " + version + " from its jar into " + cache);
            Engine.getInstance(); // DJL extracts the jar's libraries and JNI into its cache
            Path dir = Path.of(LibUtils.getLibtorchPath());
            return new Result(dir, "cpu", LibUtils.getVersion(), jniIn(dir), true);
        }
        String base = "https://publish.djl.ai/pytorch/" + version + "/";
        console.accept(
                "setup: libtorch "
                        + version
                        + " "
                        + want
                        + " from "
                        + base
                        + " into "
                        + cache
                        + (Utils.isOfflineMode() ? " (DJL offline mode is on)" : "")
                        + "; about 2.5 GB for cu128");
        return download(system, version, want, base);
    }

    /** {@code --flavor}, else {@code PYTORCH_FLAVOR}, else cpu; refused when the two disagree. */
    private static String flavor(String flavor) {
        String env = Utils.getEnvOrSystemProperty("PYTORCH_FLAVOR");
        String want = flavor != null ? flavor : env != null && !env.isEmpty() ? env : "cpu";
        if (!FLAVORS.contains(want)) {
            throw new UserInputException(
                    "--flavor '"
                            + want
                            + "': expected cpu or cu128 (the libtorch 2.7.1 builds DJL 0.35.1 runs)");
        }
        if (env != null && !env.isEmpty() && !env.equals(want)) {
            throw new UserInputException(
                    "PYTORCH_FLAVOR="
                            + env
                            + " is set and DJL reads it before anything else, so --flavor "
                            + want
                            + " cannot apply: run OURO_FLAVOR="
                            + want
                            + " scripts/ouro setup, or unset PYTORCH_FLAVOR");
        }
        return want;
    }

    /** A {@code PYTORCH_VERSION} other than the one DJL runs is refused. */
    private static void requireUnpinned(String version) {
        String pinned = Utils.getEnvOrSystemProperty("PYTORCH_VERSION");
        if (pinned != null && !pinned.isEmpty() && !pinned.equals(version)) {
            throw new UserInputException(
                    "PYTORCH_VERSION="
                            + pinned
                            + ": DJL "
                            + Engine.getDjlVersion()
                            + " runs libtorch "
                            + version
                            + " only; unset it");
        }
    }

    /** Downloads libtorch {@code want} and its JNI as the engine would, with timeouts. */
    private static Result download(Platform system, String version, String want, String base) {
        // DJL opens its URLs without timeouts: a dropped connection would hang setup for good
        System.setProperty(
                "sun.net.client.defaultConnectTimeout",
                System.getProperty("sun.net.client.defaultConnectTimeout", "30000"));
        System.setProperty(
                "sun.net.client.defaultReadTimeout",
                System.getProperty("sun.net.client.defaultReadTimeout", "120000"));
        DjlInternals.Libtorch lib;
        Path jni;
        try {
            lib = DjlInternals.downloadPyTorch(Platform.detectPlatform("pytorch", version));
            if (!lib.flavor().equals(want)) {
                throw new UserInputException(
                        base
                                + "files.txt lists no "
                                + want
                                + " build for "
                                + system.getClassifier()
                                + " (DJL picked "
                                + lib.flavor()
                                + ")");
            }
            jni = DjlInternals.findJniLibrary(lib);
        } catch (UserInputException e) {
            throw e;
        } catch (Throwable t) {
            throw new UserInputException(
                    "setup: cannot fetch libtorch "
                            + version
                            + " "
                            + want
                            + " from "
                            + base
                            + ": "
                            + NativeFacts.oneLine(t)
                            + (Utils.isOfflineMode()
                                    ? "; DJL offline mode is on (DJL_OFFLINE or -Dai.djl.offline)"
                                    : "")
                            + "; run `ouro setup` where publish.djl.ai is reachable, into a"
                            + " DJL_CACHE_DIR the compute nodes share, or use a local libtorch"
                            + " (README, 'Running on CUDA')",
                    t);
        }
        return new Result(lib.dir(), lib.flavor(), version, jni, false);
    }

    /** Bytes of the libraries in {@code dir}. */
    public static long size(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .mapToLong(
                            p -> {
                                try {
                                    return Files.size(p);
                                } catch (IOException e) {
                                    return 0;
                                }
                            })
                    .sum();
        } catch (IOException e) {
            return 0;
        }
    }

    private static Path jniIn(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(
                            p ->
                                    p.getFileName()
                                            .toString()
                                            .endsWith(System.mapLibraryName("djl_torch")))
                    .findFirst()
                    .orElse(null);
        } catch (IOException e) {
            return null;
        }
    }
}
