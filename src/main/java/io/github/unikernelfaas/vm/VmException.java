package io.github.unikernelfaas.vm;

import io.github.unikernelfaas.UnikernelException;

/** A VM could not be started, did not become ready, or misbehaved; the message says why and what to do. */
public class VmException extends UnikernelException {
    public VmException(String message) {
        super(message);
    }

    public VmException(String message, Throwable cause) {
        super(message, cause);
    }
}
