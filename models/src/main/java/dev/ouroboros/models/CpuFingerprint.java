package dev.ouroboros.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What decides the last bits of a CPU computation besides the code and the thread count: the CPU
 * vendor and model and the instruction-set flags by which libtorch (AVX2 / AVX-512 kernels), MKL
 * and oneDNN (AMX, AVX-512 bf16) pick their kernels. Two machines with the same fingerprint give
 * bit-identical results; across fingerprints fp32 differs in the last bits (amplified by beam
 * search) and half precision by more, so exact fixtures record the fingerprint they were made on
 * (docs/design.md#reproducibility-across-cpus). Read from {@code /proc/cpuinfo}; {@code unknown}
 * elsewhere.
 */
public final class CpuFingerprint {
    /** The flags that choose kernels; scripts/golden write the same list with grep. */
    public static final Set<String> FLAGS =
            Set.of("avx2", "fma", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8");

    private CpuFingerprint() {}

    /**
     * {@code vendor; model name; flags} of this machine, e.g. {@code GenuineIntel; …; avx2 fma}.
     */
    public static String current() {
        try {
            return of(Files.readAllLines(Path.of("/proc/cpuinfo")));
        } catch (IOException | SecurityException e) {
            return "unknown";
        }
    }

    /** The fingerprint of a {@code /proc/cpuinfo} text (its first processor's entries). */
    public static String of(List<String> cpuinfo) {
        String vendor = "";
        String model = "";
        Set<String> flags = new TreeSet<>();
        boolean flagsSeen = false;
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (key.equals("vendor_id") && vendor.isEmpty()) {
                vendor = value;
            } else if (key.equals("model name") && model.isEmpty()) {
                model = value;
            } else if (key.equals("flags") && !flagsSeen) {
                flagsSeen = true;
                for (String f : value.split("\\s+")) {
                    if (FLAGS.contains(f)) {
                        flags.add(f);
                    }
                }
            }
        }
        return vendor + "; " + model + "; " + String.join(" ", flags);
    }
}
