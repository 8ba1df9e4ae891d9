package dev.ouroboros.datasets;

/** The three splits of a corpus. */
public enum Split {
    TRAIN("train"),
    VALIDATION("validation"),
    TEST("test");

    private final String label;

    Split(String label) {
        this.label = label;
    }

    /**
     * Lower-case name used in file names and configs ({@code train}, {@code validation}, {@code
     * test}).
     */
    public String label() {
        return label;
    }
}
