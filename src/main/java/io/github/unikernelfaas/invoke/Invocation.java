package io.github.unikernelfaas.invoke;

/** What the function answered to one request. */
public record Invocation(int status, String contentType, String body, double millis) {
    public boolean isJson() {
        return contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json");
    }
}
