package io.github.unikernelfaas.rootfs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Checks the function on the host before anything boots: the entry file exists, every module parses
 * in the grammar of the unikernel's CPython (the flavour's) and the entry module defines a usable
 * {@code handler}.
 * Uses the host's python3 for the parsing, so errors read exactly like Python's own.
 */
public final class FunctionChecker {
    public static final String ENTRY = "function.py";
    private static final String SCRIPT = "check_function.py";
    private static final long TIMEOUT_SECONDS = 60;

    private FunctionChecker() {
    }

    /** @param grammar the guest CPython's (major, minor): what ast.parse's feature_version checks against */
    public static void check(Path python, Path sourceDir, List<Integer> grammar) {
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
        JsonNode result = runChecker(python, sourceDir, version);
        List<String> problems = new ArrayList<>();
        for (JsonNode e : result.path("syntaxErrors")) {
            Path file = sourceDir.resolve(e.path("file").asText());
            String text = e.path("text").asText("").strip();
            problems.add(file + ":" + e.path("line").asInt() + ":" + e.path("column").asInt() + ": " + e.path("message")
                    .asText() + (text.isEmpty() ? "" : "\n      " + text));
        }
        if (!problems.isEmpty()) {
            throw new FunctionException("The function does not compile as Python " + version
                    + " (the unikernel's CPython):\n  "
                    + String.join("\n  ", problems));
        }
        if (!result.path("handlerFound").asBoolean()) {
            throw new FunctionException(entry + " defines no `handler`. Add a top-level function:\n"
                    + "    def handler(event):\n        return {\"hello\": event}");
        }
        if (!result.path("handlerProblem").isNull()) {
            throw new FunctionException(entry + ": " + result.path("handlerProblem").asText());
        }
    }

    private static JsonNode runChecker(Path python, Path sourceDir, String version) {
        Path script = null;
        try {
            script = Files.createTempFile("unikernel-faas-check", ".py");
            try (InputStream in = FunctionChecker.class.getResourceAsStream(SCRIPT)) {
                Files.write(script, in.readAllBytes());
            }
            Process p = new ProcessBuilder(python.toString(), script.toString(), sourceDir.toString(), ENTRY,
                    version)
                    .redirectErrorStream(false)
                    .start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new FunctionException("Checking the function with " + python + " took over " + TIMEOUT_SECONDS
                        + " s");
            }
            if (p.exitValue() != 0) {
                throw new FunctionException("Checking the function with " + python + " failed (exit " + p.exitValue()
                        + "; python 3.8 or newer is needed):\n" + new String(err, StandardCharsets.UTF_8).strip());
            }
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
