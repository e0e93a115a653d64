package io.github.unikernelfaas.host;

import io.github.unikernelfaas.UnikernelException;

/** A host command that did not finish in time; it has been stopped. The message names it and the limit. */
public class ProcessTimeoutException extends UnikernelException {
    public ProcessTimeoutException(String message) {
        super(message);
    }
}
