package io.github.unikernelfaas.rootfs;

import io.github.unikernelfaas.UnikernelException;

/** The user's function cannot work as written; the message names the file, line and fix. */
public class FunctionException extends UnikernelException {
    public FunctionException(String message) {
        super(message);
    }

    public FunctionException(String message, Throwable cause) {
        super(message, cause);
    }
}
