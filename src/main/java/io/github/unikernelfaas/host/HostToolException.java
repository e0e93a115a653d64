package io.github.unikernelfaas.host;

/** A program the build needs is missing; the message names the package that brings it. */
public class HostToolException extends RuntimeException {
    public HostToolException(String message) {
        super(message);
    }
}
