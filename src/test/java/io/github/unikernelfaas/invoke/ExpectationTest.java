package io.github.unikernelfaas.invoke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExpectationTest {
    @TempDir
    Path dir;

    private EventCase withExpectation(String expected) throws Exception {
        Files.writeString(dir.resolve("e.json"), "{}");
        if (expected != null) {
            Files.writeString(dir.resolve("e.expected.json"), expected);
        }
        return EventCases.load(dir.resolve("e.json"));
    }

    private static Invocation json(int status, String body) {
        return new Invocation(status, "application/json", body, 1.5);
    }

    @Test
    void equalJsonPassesRegardlessOfKeyOrderAndSpacing() throws Exception {
        CaseResult r = Expectation.check(withExpectation("{\"a\": 1, \"b\": [true, null]}"),
                json(200, "{\"b\":[true,null],\"a\":1}"));
        assertTrue(r.passed(), r.message());
        assertEquals(1.5, r.millis());
    }

    @Test
    void numbersCompareByValue() throws Exception {
        assertTrue(Expectation.check(withExpectation("{\"x\": 1.0}"), json(200, "{\"x\": 1}")).passed());
        assertFalse(Expectation.check(withExpectation("{\"x\": 1.5}"), json(200, "{\"x\": 1}")).passed());
    }

    @Test
    void differentJsonFailsShowingExpectedAndActual() throws Exception {
        CaseResult r = Expectation.check(withExpectation("{\"greeting\": \"hi\"}"),
                json(200, "{\"greeting\": \"hello\"}"));
        assertFalse(r.passed());
        assertEquals("expected {\"greeting\":\"hi\"} but got {\"greeting\":\"hello\"}", r.message());
    }

    @Test
    void textResponseComparesAsJsonString() throws Exception {
        Invocation text = new Invocation(200, "text/plain; charset=utf-8", "hello", 1);
        assertTrue(Expectation.check(withExpectation("\"hello\""), text).passed());
        assertFalse(Expectation.check(withExpectation("{\"hello\": 1}"), text).passed());
    }

    @Test
    void errorStatusFailsEvenWithoutExpectation() throws Exception {
        CaseResult r = Expectation.check(withExpectation(null), json(500, "{\"error\": \"ValueError: boom\"}"));
        assertFalse(r.passed());
        assertTrue(r.message().startsWith("expected HTTP 200 but got 500"), r.message());
        assertTrue(r.message().contains("ValueError: boom"), r.message());
    }

    @Test
    void status200IsEnoughWithoutExpectation() throws Exception {
        assertTrue(Expectation.check(withExpectation(null), json(200, "whatever")).passed());
    }

    @Test
    void errorStatusWithExpectationSaysBoth() throws Exception {
        CaseResult r = Expectation.check(withExpectation("{\"a\":1}"), json(500, "{\"error\":\"x\"}"));
        assertFalse(r.passed());
        assertTrue(r.message().contains("expected HTTP 200 with {\"a\":1} but got HTTP 500"), r.message());
    }

    @Test
    void longBodiesAreShortenedInMessages() throws Exception {
        String big = "\"" + "x".repeat(5000) + "\"";
        CaseResult r = Expectation.check(withExpectation("\"y\""), json(200, big));
        assertTrue(r.message().length() < 2600, "message length " + r.message().length());
        assertTrue(r.message().contains("chars)"));
    }

    @Test
    void aTimedOutHandlerFailsNamingTheSetting() throws Exception {
        String body = "{\"error\": \"the handler did not return within 25 s\", \"type\": \"HandlerTimeout\"}";
        for (String expected : new String[] {null, "{}"}) {
            CaseResult r = Expectation.check(withExpectation(expected), json(504, body));
            assertFalse(r.passed());
            assertTrue(r.message().contains("504 (the handler ran past its time limit, unikernel.handlerTimeout)"),
                    r.message());
            assertTrue(r.message().contains("did not return within 25 s"), r.message());
        }
        assertTrue(Expectation.check(withExpectation(null), json(503, "{}")).message()
                .contains("stuck past their time limit"));
        assertEquals("", Expectation.hint(500));
    }
}
