package io.github.unikernelfaas.invoke;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Discovers and validates the test events of a project, before anything boots. */
public final class EventCases {
    static final String EXPECTED_SUFFIX = ".expected.json";
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private EventCases() {
    }

    /** All {@code *.json} events in {@code dir} (not recursive), sorted by name; empty if dir is missing. */
    public static List<EventCase> discover(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> events;
        try (Stream<Path> files = Files.list(dir)) {
            events = files.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(".json"))
                    .filter(p -> !p.getFileName().toString().endsWith(EXPECTED_SUFFIX))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not list test events in " + dir, e);
        }
        List<EventCase> cases = new ArrayList<>();
        for (Path event : events) {
            cases.add(load(event));
        }
        checkOrphanExpectations(dir, cases);
        return cases;
    }

    /** Loads one event file (and its expectation beside it, if any). */
    public static EventCase load(Path event) {
        String file = event.getFileName().toString();
        String name = file.endsWith(".json") ? file.substring(0, file.length() - ".json".length()) : file;
        byte[] body = read(event);
        parse(event, body, "event");
        Path expectedFile = event.resolveSibling(name + EXPECTED_SUFFIX);
        JsonNode expected = null;
        if (Files.isRegularFile(expectedFile)) {
            expected = parse(expectedFile, read(expectedFile), "expectation");
        } else {
            expectedFile = null;
        }
        return new EventCase(name, event, body, expectedFile, expected);
    }

    private static void checkOrphanExpectations(Path dir, List<EventCase> cases) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> orphans = files.filter(p -> p.getFileName().toString().endsWith(EXPECTED_SUFFIX))
                    .filter(p -> cases.stream().noneMatch(c -> p.equals(c.expectedFile())))
                    .sorted()
                    .toList();
            if (!orphans.isEmpty()) {
                Path o = orphans.get(0);
                String stem = o.getFileName().toString();
                stem = stem.substring(0, stem.length() - EXPECTED_SUFFIX.length());
                throw new InvalidEventException("Expectation " + o + " has no event: add " + stem
                        + ".json beside it, or rename the expectation to match an event", null);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not list test events in " + dir, e);
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + p, e);
        }
    }

    private static JsonNode parse(Path file, byte[] content, String what) {
        try {
            JsonNode node = JSON.readTree(content);
            if (node == null || node.isMissingNode()) {
                throw new InvalidEventException("The " + what + " file " + file
                        + " is empty: write a JSON value in it (for example {} or null)", null);
            }
            return node;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new InvalidEventException("The " + what + " file " + file + " is not valid JSON" + where + ": "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + file, e);
        }
    }
}
