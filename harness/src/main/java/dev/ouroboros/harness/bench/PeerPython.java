package dev.ouroboros.harness.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Python a benchmark's peer script ({@code scripts/bench/*.py}) runs under, found the same way
 * by {@code ouro train bench} and {@code ouro generate bench}: {@code --python PY} (or {@code
 * none}), else {@code $OURO_PYTHON}, else the checkout's {@code .venv/bin/python} ({@link #home})
 * when it is executable. The peer runs in its own process (its peak RSS is its own), stderr passed
 * through, and prints one JSON object as its last line; one that lacks torch or transformers prints
 * {@code {"skipped": WHY}}.
 *
 * @param python the interpreter, or null when the peer is skipped
 * @param skipped why there is none (for the one "skipped" line), or null
 */
public record PeerPython(String python, String skipped) {
    /** The environment variable naming the interpreter when {@code --python} is not given. */
    public static final String ENV = "OURO_PYTHON";

    /**
     * The checkout the peer scripts and {@code .venv} are in: {@code $OURO_HOME} (set by {@code
     * scripts/ouro} to its repository), else the working directory.
     */
    public static Path home() {
        String h = System.getenv("OURO_HOME");
        return h == null || h.isBlank() ? Path.of("") : Path.of(h);
    }

    /** A peer script, {@code scripts/bench/NAME} of {@link #home()}. */
    public static Path script(String name) {
        return home().resolve("scripts").resolve("bench").resolve(name);
    }

    /** {@code --python} (may be null), {@code $OURO_PYTHON}, {@code .venv/bin/python} of home. */
    public static PeerPython find(String flag) {
        return find(flag, System.getenv(ENV), home().resolve(".venv/bin/python"));
    }

    static PeerPython find(String flag, String env, Path venv) {
        String py =
                flag != null && !flag.isBlank() ? flag : env != null && !env.isBlank() ? env : null;
        String from = flag != null && !flag.isBlank() ? "--python" : ENV;
        if (py == null) {
            return Files.isExecutable(venv)
                    ? new PeerPython(venv.toString(), null)
                    : new PeerPython(
                            null, "no Python given (--python, " + ENV + ") and no " + venv);
        }
        if (py.equals("none")) {
            return new PeerPython(null, from + " none");
        }
        if (py.contains("/") && !Files.isExecutable(Path.of(py))) {
            return new PeerPython(
                    null,
                    from
                            + " "
                            + py
                            + (Files.exists(Path.of(py)) ? ": not executable" : ": no such file"));
        }
        return new PeerPython(py, null);
    }

    /** What a peer run gave: its JSON line, or why there is none. */
    public record Outcome(JsonNode json, String skipped) {}

    /**
     * Runs {@code script args…} under {@link #python} and returns its last stdout line as JSON; a
     * missing script, an interpreter that cannot start, a {@code {"skipped"}} line or a failed run
     * is an {@link Outcome} with the reason, never an exception.
     */
    public Outcome run(Path script, List<String> args) {
        if (python == null) {
            return new Outcome(null, skipped);
        }
        if (!Files.isRegularFile(script)) {
            return new Outcome(
                    null, script + " not found (run scripts/ouro, or from the repository root)");
        }
        List<String> cmd = new ArrayList<>(List.of(python, script.toString()));
        cmd.addAll(args);
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            return new Outcome(null, python + " cannot be started: " + e.getMessage());
        }
        String last = null;
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.isBlank()) {
                    last = line;
                }
            }
            int rc = p.waitFor();
            JsonNode json = null;
            if (last != null && last.startsWith("{")) {
                try {
                    json = new ObjectMapper().readTree(last);
                } catch (IOException e) {
                    json = null;
                }
            }
            if (json != null && json.has("skipped")) {
                return new Outcome(null, python + ": " + json.get("skipped").asText());
            }
            if (rc != 0 || json == null) {
                return new Outcome(null, script.getFileName() + " failed (exit " + rc + ")");
            }
            return new Outcome(json, null);
        } catch (IOException e) {
            return new Outcome(
                    null, script.getFileName() + " output unreadable: " + e.getMessage());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Outcome(null, "interrupted");
        }
    }
}
