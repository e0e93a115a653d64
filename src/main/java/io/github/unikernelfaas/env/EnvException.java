package io.github.unikernelfaas.env;

import io.github.unikernelfaas.UnikernelException;

/** A bad environment setting or secret: the message names the source and the fix. */
public class EnvException extends UnikernelException {
    public EnvException(String message) {
        super(message);
    }
}
