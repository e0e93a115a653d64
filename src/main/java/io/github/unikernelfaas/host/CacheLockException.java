package io.github.unikernelfaas.host;

import io.github.unikernelfaas.UnikernelException;

/** A cache entry's lock could not be taken (timed out or not writable); the message says which entry and what to do. */
public class CacheLockException extends UnikernelException {
    public CacheLockException(String message, Throwable cause) {
        super(message, cause);
    }
}
