package io.github.unikernelfaas.invoke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventCasesTest {
    @TempDir
    Path dir;

    @Test
    void findsEventsSortedWithTheirExpectations() throws Exception {
        Files.writeString(dir.resolve("b.json"), "{\"n\": 2}");
        Files.writeString(dir.resolve("a.json"), "{\"n\": 1}");
        Files.writeString(dir.resolve("a.expected.json"), "{\"ok\": true}");
        Files.writeString(dir.resolve("notes.txt"), "not an event");
        List<EventCase> cases = EventCases.discover(dir);
        assertEquals(List.of("a", "b"), cases.stream().map(EventCase::name).toList());
        assertTrue(cases.get(0).hasExpectation());
        assertTrue(cases.get(0).expected().get("ok").asBoolean());
        assertFalse(cases.get(1).hasExpectation());
        assertNull(cases.get(1).expected());
        assertEquals("{\"n\": 1}", new String(cases.get(0).body()), "the body is sent byte for byte");
    }

    @Test
    void missingDirectoryMeansNoCases() {
        assertEquals(List.of(), EventCases.discover(dir.resolve("absent")));
    }

    @Test
    void invalidEventJsonNamesFileLineAndColumn() throws Exception {
        Files.writeString(dir.resolve("bad.json"), "{\n  \"a\": 1,\n  oops\n}");
        InvalidEventException e = assertThrows(InvalidEventException.class, () -> EventCases.discover(dir));
        assertTrue(e.getMessage().contains("bad.json is not valid JSON at line 3"), e.getMessage());
    }

    @Test
    void trailingGarbageAndEmptyFilesAreRejected() throws Exception {
        Files.writeString(dir.resolve("two.json"), "{} {}");
        assertThrows(InvalidEventException.class, () -> EventCases.discover(dir));
        Files.delete(dir.resolve("two.json"));
        Files.writeString(dir.resolve("empty.json"), "  ");
        InvalidEventException e = assertThrows(InvalidEventException.class, () -> EventCases.discover(dir));
        assertTrue(e.getMessage().contains("is empty"), e.getMessage());
    }

    @Test
    void invalidExpectationIsNamed() throws Exception {
        Files.writeString(dir.resolve("a.json"), "{}");
        Files.writeString(dir.resolve("a.expected.json"), "{'single': 'quotes'}");
        InvalidEventException e = assertThrows(InvalidEventException.class, () -> EventCases.discover(dir));
        assertTrue(e.getMessage().contains("expectation file"), e.getMessage());
        assertTrue(e.getMessage().contains("a.expected.json"), e.getMessage());
    }

    @Test
    void expectationWithoutEventIsAMistake() throws Exception {
        Files.writeString(dir.resolve("a.json"), "{}");
        Files.writeString(dir.resolve("typo.expected.json"), "{}");
        InvalidEventException e = assertThrows(InvalidEventException.class, () -> EventCases.discover(dir));
        assertTrue(e.getMessage().contains("add typo.json"), e.getMessage());
    }

    @Test
    void validJsonNestedDeeperThanJacksonsDefaultIsAnEvent() throws Exception {
        Files.writeString(dir.resolve("deep.json"), "[".repeat(5000) + "]".repeat(5000));
        Files.writeString(dir.resolve("deep.expected.json"), "[".repeat(5000) + "]".repeat(5000));
        EventCase c = EventCases.discover(dir).get(0);
        assertEquals(5000 * 2, c.body().length);
        assertTrue(EventCases.JSON.writeValueAsString(c.expected()).startsWith("[[[["), "and it can be shown");
    }

    @Test
    void jsonNestedPastTheLimitSaysSo() throws Exception {
        int depth = EventCases.MAX_NESTING + 1;
        Files.writeString(dir.resolve("deeper.json"), "[".repeat(depth) + "]".repeat(depth));
        InvalidEventException e = assertThrows(InvalidEventException.class, () -> EventCases.discover(dir));
        assertTrue(e.getMessage().contains("deeper.json is nested too deep for the test goals (limit 10000 levels)"),
                e.getMessage());
    }

    @Test
    void anEventOverTheGuestsBodyLimitIsRefusedBeforeTheBootNamingTheSetting() throws Exception {
        Path big = dir.resolve("big.json");
        Files.writeString(big, "\"" + "x".repeat(98) + "\"");
        assertEquals(1, EventCases.discover(dir, 100).size(), "at the limit");
        InvalidEventException e = assertThrows(InvalidEventException.class, () -> EventCases.discover(dir, 99));
        assertTrue(e.getMessage().contains("The event file " + big + " is 100 bytes, over the limit of 99 bytes"),
                e.getMessage());
        assertEquals("unikernel.maxEventBytes", e.setting().orElseThrow());
        assertTrue(e.render().contains("-Dunikernel.maxEventBytes"), e.render());
        Files.writeString(big, "\"" + "x".repeat(6 * 1024 * 1024) + "\"");
        e = assertThrows(InvalidEventException.class, () -> EventCases.discover(dir));
        assertTrue(e.getMessage().contains("over the limit of 6291456 bytes"), e.getMessage());
    }
}
