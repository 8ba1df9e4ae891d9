package dev.ouroboros.harness.natives;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What is wrong with the native setup {@link NativeFacts} describes, and how to fix it: one line
 * each, the culprit first. The cases are the ways a GPU box ends up on the CPU or does not start:
 * CUDA asked for with no GPU or with a CPU native jar that wins, GPUs with a CPU libtorch, a
 * libtorch or PYTORCH_VERSION other than the one DJL's JNI is built for, a PYTORCH_LIBRARY_PATH DJL
 * silently ignores or cannot match with a JNI.
 */
public final class Diagnosis {
    private Diagnosis() {}

    public static List<String> problems(NativeFacts f) {
        List<String> out = new ArrayList<>();
        String want = f.expectedLibtorch();
        String flavor = f.setting("PYTORCH_FLAVOR");
        String version = f.setting("PYTORCH_VERSION");
        String libPath = f.setting("PYTORCH_LIBRARY_PATH");
        boolean cudaAsked = flavor != null && flavor.startsWith("cu");
        boolean cpuJar = f.classpathNatives().stream().anyMatch(n -> n.flavor().startsWith("cpu"));
        if (f.loadError() != null) {
            out.add(
                    "the PyTorch engine did not load: "
                            + f.loadError()
                            + (f.cached().isEmpty() && libPath == null
                                    ? "; nothing is cached in "
                                            + f.cacheDir()
                                            + ": run `ouro setup` where there is internet (same"
                                            + " DJL_CACHE_DIR)"
                                    : ""));
        }
        if (cudaAsked && cpuJar && libPath == null) {
            out.add(
                    "PYTORCH_FLAVOR="
                            + flavor
                            + " asks for CUDA, but a CPU native jar is on the classpath ("
                            + f.classpathNatives().get(0).where()
                            + ") and DJL always takes it: rebuild with OURO_FLAVOR=cu128"
                            + " scripts/ouro (Maven profile cuda)");
        }
        if (cudaAsked && f.gpusInBox() == 0) {
            out.add(
                    "PYTORCH_FLAVOR="
                            + flavor
                            + " but CUDA's runtime sees no GPU: check nvidia-smi and the driver"
                            + " (R570+ for CUDA 12.8), and that an unversioned libcudart.so is on"
                            + " LD_LIBRARY_PATH (DJL finds GPUs through it); on a CPU box use"
                            + " PYTORCH_FLAVOR=cpu");
        }
        if (f.gpusInBox() > 0 && f.engine() != null && !f.cudaBuild()) {
            out.add(
                    f.gpusInBox()
                            + " GPU(s) in the box, but the loaded libtorch ("
                            + f.libtorchDir()
                            + ") is a CPU build, so device auto runs on the CPU and cuda is"
                            + " refused: use OURO_FLAVOR=cu128 scripts/ouro (and `ouro setup"
                            + " --flavor cu128` for offline nodes)");
        }
        if (f.libtorchVersion() != null && want != null && !f.libtorchVersion().equals(want)) {
            out.add(
                    "libtorch "
                            + f.libtorchVersion()
                            + " is loaded ("
                            + f.libtorchDir()
                            + "), but DJL "
                            + f.djlVersion()
                            + "'s JNI is built for "
                            + want
                            + ": point PYTORCH_LIBRARY_PATH at a libtorch "
                            + want
                            + " or unset it");
        }
        if (version != null && want != null && !version.equals(want)) {
            out.add(
                    "PYTORCH_VERSION="
                            + version
                            + ": DJL "
                            + f.djlVersion()
                            + " has a JNI only for libtorch "
                            + want
                            + " (any other version would be downloaded, and fail to link):"
                            + " set PYTORCH_VERSION="
                            + want
                            + " or unset it");
        }
        if (f.jniVersion() != null
                && want != null
                && !f.jniVersion().startsWith(want + "-" + f.djlVersion())) {
            out.add(
                    "the pytorch-jni jar on the classpath is "
                            + f.jniVersion()
                            + ", not "
                            + want
                            + "-"
                            + f.djlVersion()
                            + ": DJL will download another JNI; rebuild so that the DJL BOM picks"
                            + " pytorch-jni "
                            + want
                            + "-"
                            + f.djlVersion());
        }
        if (libPath != null) {
            out.addAll(libraryPathProblems(f, libPath, flavor, want));
        }
        return out;
    }

    private static List<String> libraryPathProblems(
            NativeFacts f, String libPath, String flavor, String want) {
        List<String> out = new ArrayList<>();
        String lib = System.mapLibraryName("torch");
        Path found = null;
        for (String p : libPath.split(java.io.File.pathSeparator)) {
            Path dir = Path.of(p);
            if (Files.isRegularFile(dir) && dir.getFileName().toString().equals(lib)) {
                found = dir.getParent();
                break;
            }
            if (Files.isRegularFile(dir.resolve(lib))) {
                found = dir;
                break;
            }
        }
        if (found == null) {
            out.add(
                    "PYTORCH_LIBRARY_PATH="
                            + libPath
                            + " holds no "
                            + lib
                            + ", so DJL silently ignores it"
                            + (f.libtorchDir() != null ? " and loads " + f.libtorchDir() : "")
                            + ": point it at the lib/ directory of a libtorch "
                            + want);
            return out;
        }
        if (flavor == null) {
            out.add(
                    "PYTORCH_LIBRARY_PATH is set without PYTORCH_FLAVOR: DJL then looks for a JNI"
                            + " of flavor cpu-precxx11 or cuNNN-precxx11, which pytorch-jni does not"
                            + " ship; set PYTORCH_FLAVOR=cpu or cu128 to match that libtorch");
        }
        Path buildVersion =
                found.resolveSibling("build-version"); // libtorch zips: libtorch/build-version
        if (Files.isRegularFile(buildVersion)) {
            try {
                String v = Files.readString(buildVersion).trim();
                if (want != null && !v.startsWith(want)) {
                    out.add(
                            buildVersion
                                    + " says "
                                    + v
                                    + ", but DJL "
                                    + f.djlVersion()
                                    + "'s JNI links only with libtorch "
                                    + want
                                    + ": use a libtorch "
                                    + want
                                    + " build");
                } else if (flavor != null && flavor.startsWith("cu") && !v.contains(flavor)) {
                    out.add(
                            buildVersion
                                    + " says "
                                    + v
                                    + ", not a "
                                    + flavor
                                    + " build: set PYTORCH_FLAVOR to the build's flavor");
                }
            } catch (java.io.IOException e) {
                // unreadable: nothing to say about the version
            }
        }
        return out;
    }
}
