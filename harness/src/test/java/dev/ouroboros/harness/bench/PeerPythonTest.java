package dev.ouroboros.harness.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a bench finds its peer's Python (--python, then $OURO_PYTHON, then .venv/bin/python) and what
 * it makes of the peer's output; "python" here is a shell script, no Python is needed.
 */
class PeerPythonTest {
    @TempDir Path tmp;

    Path executable(String name, String body) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void flagThenEnvironmentThenVenv() throws Exception {
        Path venv = executable("venv-python", "exit 0");
        Path none = tmp.resolve("no-venv/bin/python");
        assertEquals(
                "--python /x/py: no such file", PeerPython.find("/x/py", "/y/py", venv).skipped());
        assertEquals(
                PeerPython.ENV + " /y/py: no such file",
                PeerPython.find(null, "/y/py", venv).skipped());
        assertEquals(venv.toString(), PeerPython.find(null, null, venv).python());
        assertEquals(venv.toString(), PeerPython.find("", " ", venv).python());
        assertEquals("--python none", PeerPython.find("none", "/y/py", venv).skipped());
        assertEquals(PeerPython.ENV + " none", PeerPython.find(null, "none", venv).skipped());
        assertEquals(
                "no Python given (--python, OURO_PYTHON) and no " + none,
                PeerPython.find(null, null, none).skipped());
        assertEquals("python3", PeerPython.find("python3", null, none).python()); // from PATH
    }

    @Test
    void lastJsonLineSkipsAndFailures() throws Exception {
        Path script = tmp.resolve("peer.py");
        Files.writeString(script, "unused: the fake interpreters ignore it\n");
        PeerPython ok =
                PeerPython.find(
                        executable("ok", "echo progress; echo '{\"best_s\": 1.5}'").toString(),
                        null,
                        tmp);
        assertEquals(1.5, ok.run(script, List.of("--a", "b")).json().get("best_s").asDouble());
        PeerPython noTorch =
                PeerPython.find(
                        executable("notorch", "echo '{\"skipped\": \"no torch\"}'; exit 3")
                                .toString(),
                        null,
                        tmp);
        PeerPython.Outcome s = noTorch.run(script, List.of());
        assertNull(s.json());
        assertEquals(tmp.resolve("notorch") + ": no torch", s.skipped());
        PeerPython fails = PeerPython.find(executable("fails", "exit 1").toString(), null, tmp);
        assertEquals("peer.py failed (exit 1)", fails.run(script, List.of()).skipped());
        assertEquals(
                tmp.resolve("nope.py")
                        + " not found (run scripts/ouro, or from the repository root)",
                ok.run(tmp.resolve("nope.py"), List.of()).skipped());
        assertNull(
                PeerPython.find("no-such-python-ouro", null, tmp)
                        .run(script, List.of())
                        .json()); // cannot start: a reason, not an exception
    }
}
