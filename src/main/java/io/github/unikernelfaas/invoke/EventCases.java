package io.github.unikernelfaas.invoke;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
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
    /** Nesting Jackson accepts in an event or expectation (its default, 1000, refused valid JSON). */
    static final int MAX_NESTING = 10_000;
    /** The wrapper's default request body limit (--max-body), the default of unikernel.maxEventBytes. */
    public static final long MAX_EVENT_BYTES = 6_291_456;
    public static final String MAX_EVENT_BYTES_SETTING = "unikernel.maxEventBytes";
    static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
            .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(MAX_NESTING).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private EventCases() {
    }

    /** All {@code *.json} events in {@code dir} (not recursive), sorted by name; empty if dir is missing. */
    public static List<EventCase> discover(Path dir) {
        return discover(dir, MAX_EVENT_BYTES);
    }

    /**
     * As {@link #discover(Path)}, refusing an event over {@code maxEventBytes} (the guest would answer it 413
     * after the boot).
     */
    public static List<EventCase> discover(Path dir, long maxEventBytes) {
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
            long size = cases.get(cases.size() - 1).body().length;
            if (size > maxEventBytes) {
                throw (InvalidEventException) new InvalidEventException("The event file " + event + " is " + size
                        + " bytes, over the limit of " + maxEventBytes + " bytes a request body may have in the"
                        + " guest (it would answer 413): make the event smaller or raise -D" + MAX_EVENT_BYTES_SETTING,
                        null).setting(MAX_EVENT_BYTES_SETTING);
            }
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
        } catch (StreamConstraintsException e) {
            throw new InvalidEventException("The " + what + " file " + file + " is nested too deep for the test"
                    + " goals (limit " + MAX_NESTING + " levels): " + e.getOriginalMessage(), e);
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
