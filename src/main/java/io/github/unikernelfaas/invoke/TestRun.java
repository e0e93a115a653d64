package io.github.unikernelfaas.invoke;

import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * What one integration-test run found; written by the integration-test goal and read by verify,
 * so a failing case never stops the VM from being shut down first.
 */
public record TestRun(String suite, String accelerator, double bootSeconds, List<CaseResult> cases) {

    public long failures() {
        return cases.stream().filter(c -> !c.passed()).count();
    }

    public List<CaseResult> failed() {
        return cases.stream().filter(c -> !c.passed()).toList();
    }

    public void write(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            EventCases.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), this);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + file, e);
        }
    }

    public static TestRun read(Path file) {
        try {
            return EventCases.JSON.readValue(file.toFile(), TestRun.class);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read test results " + file, e);
        }
    }

    /** Human summary lines, SAM-style: one per case, then a total. */
    public List<String> summary() {
        List<String> lines = new java.util.ArrayList<>();
        lines.add(String.format("Booted in %.2f s under %s", bootSeconds, accelerator));
        for (CaseResult c : cases) {
            lines.add(String.format("  %s %-30s %8.1f ms%s", c.passed() ? "PASS" : "FAIL", c.name(), c.millis(),
                    c.passed() ? "" : "  " + c.message()));
        }
        lines.add(String.format("Cases: %d, passed: %d, failed: %d", cases.size(), cases.size() - failures(),
                failures()));
        return lines;
    }
}
