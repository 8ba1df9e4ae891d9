package dev.ouroboros.harness.cli;

import dev.ouroboros.harness.natives.NativeFacts;
import java.util.List;

/** Lets tests in other packages read {@code ouro doctor}'s report of made-up facts. */
public final class DoctorTestAccess {
    private DoctorTestAccess() {}

    public static List<String> report(NativeFacts f) {
        return DoctorCommand.report(f);
    }
}
