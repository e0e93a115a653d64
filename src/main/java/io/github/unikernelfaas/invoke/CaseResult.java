package io.github.unikernelfaas.invoke;

/**
 * The outcome of one event case.
 *
 * @param message why it failed (null when it passed)
 * @param output  the response body (truncated), for reports
 */
public record CaseResult(String name, boolean passed, int status, double millis, String message, String output) {
    public static CaseResult error(String name, double millis, String message) {
        return new CaseResult(name, false, 0, millis, message, "");
    }
}
