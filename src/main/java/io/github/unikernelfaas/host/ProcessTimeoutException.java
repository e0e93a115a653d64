package io.github.unikernelfaas.host;

/** A host command that did not finish in time; it has been stopped. The message names it and the limit. */
public class ProcessTimeoutException extends RuntimeException {
    public ProcessTimeoutException(String message) {
        super(message);
    }
}
