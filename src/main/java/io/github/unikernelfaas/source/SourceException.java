package io.github.unikernelfaas.source;

import io.github.unikernelfaas.UnikernelException;

/** A source could not be fetched, verified or extracted; the message says which one, why, and what to do. */
public class SourceException extends UnikernelException {
    public SourceException(String message) {
        super(message);
    }

    public SourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
