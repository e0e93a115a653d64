package io.github.unikernelfaas.kernel;

import io.github.unikernelfaas.UnikernelException;

/** The kernel could not be built; the message says why and what to do. */
public class KernelBuildException extends UnikernelException {
    public KernelBuildException(String message) {
        super(message);
    }

    public KernelBuildException(String message, Throwable cause) {
        super(message, cause);
    }
}
