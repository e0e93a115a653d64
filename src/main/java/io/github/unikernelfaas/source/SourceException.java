package io.github.unikernelfaas.source;

/** A source could not be fetched, verified or extracted; the message says which one, why, and what to do. */
public class SourceException extends RuntimeException {
    public SourceException(String message) {
        super(message);
    }

    public SourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
