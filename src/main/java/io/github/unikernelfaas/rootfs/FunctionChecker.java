package io.github.unikernelfaas.rootfs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.unikernelfaas.guest.GuestContract;
import io.github.unikernelfaas.host.ProcessRunner;
import io.github.unikernelfaas.host.ProcessTimeoutException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks the function on the host before anything boots: the entry file exists, every module parses
 * in the grammar of the unikernel's CPython (the flavour's) and the entry module defines a usable
 * {@code handler}.
 * Runs check_function.py on the host's python3; with a CPython of the guest's version at hand, that compiles
 * every module (exact), else the host's ast checks the grammar plus what its feature_version lets through.
 */
public final class FunctionChecker {
    public static final String ENTRY = GuestContract.FUNCTION_FILE;
    private static final String SCRIPT = "check_function.py";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Enough for the JSON verdict on any function; stderr keeps its tail. */
    private static final int OUTPUT_LIMIT = 4 << 20;

    private FunctionChecker() {
    }

    /** Checks with the host python3 alone (its ast and our checks of what its feature_version lets through). */
    public static void check(Path python, Path sourceDir, List<Integer> grammar) {
        check(python, sourceDir, grammar, Optional.empty(), TIMEOUT);
    }

    /**
     * @param grammar the guest CPython's (major, minor): what ast.parse's feature_version checks against
     * @param guest   a real CPython of that version ({@link GuestPython}): when present every module is compiled
     *                with it, the exact check
     */
    public static void check(Path python, Path sourceDir, List<Integer> grammar, Optional<Path> guest) {
        check(python, sourceDir, grammar, guest, TIMEOUT);
    }

    static void check(Path python, Path sourceDir, List<Integer> grammar, Optional<Path> guest, Duration timeout) {
        if (grammar.size() != 2) {
            throw new IllegalArgumentException("grammar must be (major, minor), not " + grammar);
        }
        String version = grammar.get(0) + "." + grammar.get(1);
        Path entry = sourceDir.resolve(ENTRY);
        if (!Files.isRegularFile(entry)) {
            throw new FunctionException("No function found: " + entry + " does not exist. Create it with"
                    + " `def handler(event):` returning the response, or set unikernel.functionDirectory to the"
                    + " directory that holds function.py");
        }
        JsonNode result = runChecker(python, sourceDir, version, guest, timeout);
        List<String> problems = new ArrayList<>();
        for (JsonNode e : result.path("syntaxErrors")) {
            Path file = sourceDir.resolve(e.path("file").asText());
            String text = e.path("text").asText("").strip();
            problems.add(file + ":" + e.path("line").asInt() + ":" + e.path("column").asInt() + ": " + e.path("message")
                    .asText() + (text.isEmpty() ? "" : "\n      " + text));
        }
        if (!problems.isEmpty()) {
            throw new FunctionException("The function does not compile as Python " + version
                    + " (the unikernel's CPython" + guest.map(g -> ", compiled with " + g).orElse("") + "):\n  "
                    + String.join("\n  ", problems));
        }
        if (!result.path("handlerFound").asBoolean()) {
            throw new FunctionException(entry + " defines no `handler`. Add a top-level function:\n"
                    + "    def handler(event):\n        return {\"hello\": event}");
        }
        if (!result.path("handlerProblem").isNull()) {
            JsonNode line = result.path("handlerLine");
            throw new FunctionException(entry + (line.isInt() ? ":" + line.asInt() : "") + ": "
                    + result.path("handlerProblem").asText());
        }
    }

    private static JsonNode runChecker(Path python, Path sourceDir, String version, Optional<Path> guest,
            Duration timeout) {
        Path script = null;
        try {
            script = Files.createTempFile("unikernel-faas-check", ".py");
            try (InputStream in = FunctionChecker.class.getResourceAsStream(SCRIPT)) {
                Files.write(script, in.readAllBytes());
            }
            ProcessRunner.Result r;
            try {
                r = ProcessRunner.run(List.of(python.toString(), script.toString(), sourceDir.toString(), ENTRY,
                        version, guest.map(Path::toString).orElse("")), Map.of(), timeout, OUTPUT_LIMIT);
            } catch (ProcessTimeoutException e) {
                throw new FunctionException("Checking the function with " + python + " took over "
                        + timeout.toSeconds() + " s: " + e.getMessage(), e);
            }
            if (r.exitCode() != 0) {
                throw new FunctionException("Checking the function with " + python + " failed (exit " + r.exitCode()
                        + "; python 3.8 or newer is needed):\n" + r.stderr().strip());
            }
            String out = r.stdout();
            return new ObjectMapper().readTree(out);
        } catch (IOException e) {
            throw new FunctionException("Could not run " + python + " to check the function: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FunctionException("Interrupted while checking the function", e);
        } finally {
            if (script != null) {
                try {
                    Files.deleteIfExists(script);
                } catch (IOException ignored) {
                    // A temp file in the temp dir.
                }
            }
        }
    }
}
