package dev.ouroboros.harness.base;

import picocli.CommandLine.IVersionProvider;

/** Versions of Ouroboros and of what it runs on. */
public final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Version.class.getPackage().getImplementationVersion();
        return new String[] {
            "ouroboros " + (v == null ? "dev" : v),
            "DJL 0.35.1, PyTorch engine (libtorch 2.7.1)",
            "JVM " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
        };
    }
}
