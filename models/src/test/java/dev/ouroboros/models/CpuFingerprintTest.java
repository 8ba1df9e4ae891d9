package dev.ouroboros.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class CpuFingerprintTest {
    @Test
    void vendorModelAndTheKernelChoosingFlagsOfTheFirstProcessor() {
        List<String> cpuinfo =
                List.of(
                        "processor\t: 0",
                        "vendor_id\t: AuthenticAMD",
                        "model name\t: AMD EPYC 7B13",
                        "flags\t\t: fpu sse2 fma avx2 sha_ni avx512f",
                        "",
                        "processor\t: 1",
                        "vendor_id\t: AuthenticAMD",
                        "model name\t: AMD EPYC 7B13",
                        "flags\t\t: fpu sse2 fma avx2 amx_tile");
        assertEquals("AuthenticAMD; AMD EPYC 7B13; avx2 avx512f fma", CpuFingerprint.of(cpuinfo));
        assertEquals("; ; ", CpuFingerprint.of(List.of("nothing here")));
    }
}
