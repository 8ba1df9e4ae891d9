package dev.ouroboros.harness.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ouroboros.harness.Ouro;
import org.junit.jupiter.api.Test;

class RunCommandTest {
    @Test
    void freshJvmChildrenStartOuro() {
        assertEquals(Ouro.class.getName(), RunCommand.MAIN_CLASS);
    }
}
