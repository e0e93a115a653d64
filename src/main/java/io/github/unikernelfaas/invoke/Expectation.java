package io.github.unikernelfaas.invoke;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Comparator;

/** Decides whether an invocation meets a case's expectation. */
public final class Expectation {
    static final int MAX_SHOWN = 2000;

    /** Numbers compare by value (1 equals 1.0); everything else by Jackson's structural equality. */
    private static final Comparator<JsonNode> NUMERIC_AWARE = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    };

    private Expectation() {
    }

    public static CaseResult check(EventCase c, Invocation r) {
        String shown = shorten(r.body());
        if (!c.hasExpectation()) {
            if (r.status() == 200) {
                return new CaseResult(c.name(), true, r.status(), r.millis(), null, shown);
            }
            return new CaseResult(c.name(), false, r.status(), r.millis(),
                    "expected HTTP 200 but got " + r.status() + hint(r.status()) + ": " + shown, shown);
        }
        String expected = render(c.expected());
        if (r.status() != 200) {
            return new CaseResult(c.name(), false, r.status(), r.millis(),
                    "expected HTTP 200 with " + expected + " but got HTTP " + r.status() + hint(r.status()) + ": "
                            + shown, shown);
        }
        JsonNode actual = actualValue(r);
        if (actual != null && c.expected().equals(NUMERIC_AWARE, actual)) {
            return new CaseResult(c.name(), true, r.status(), r.millis(), null, shown);
        }
        String got = actual == null ? "invalid JSON " + shown : render(actual);
        return new CaseResult(c.name(), false, r.status(), r.millis(),
                "expected " + expected + " but got " + got, shown);
    }

    /** The wrapper's time-limit answers name the setting behind them. */
    static String hint(int status) {
        return switch (status) {
            case 504 -> " (the handler ran past its time limit, unikernel.handlerTimeout)";
            case 503 -> " (handlers are stuck past their time limit, unikernel.handlerTimeout)";
            default -> "";
        };
    }

    /** A JSON response is parsed; a text response is compared as a JSON string. */
    static JsonNode actualValue(Invocation r) {
        if (!r.isJson()) {
            return TextNode.valueOf(r.body());
        }
        try {
            return EventCases.JSON.readTree(r.body());
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    static String render(JsonNode node) {
        try {
            return shorten(EventCases.JSON.writeValueAsString(node));
        } catch (JsonProcessingException e) {
            return shorten(node.toString());
        }
    }

    static String shorten(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= MAX_SHOWN ? s : s.substring(0, MAX_SHOWN) + "... (" + s.length() + " chars)";
    }
}
