package io.github.unikernelfaas.host;

/** A cache entry's lock could not be taken (timed out or not writable); the message says which entry and what to do. */
public class CacheLockException extends RuntimeException {
    public CacheLockException(String message, Throwable cause) {
        super(message, cause);
    }
}
