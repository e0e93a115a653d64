package io.github.unikernelfaas.host;

import io.github.unikernelfaas.UnikernelException;

/** A program the build needs is missing; the message names the package that brings it. */
public class HostToolException extends UnikernelException {
    public HostToolException(String message) {
        super(message);
    }
}
