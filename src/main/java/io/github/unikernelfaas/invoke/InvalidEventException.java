package io.github.unikernelfaas.invoke;

import io.github.unikernelfaas.UnikernelException;

/** A test event or expectation file is not valid JSON; the message names the file and position. */
public class InvalidEventException extends UnikernelException {
    public InvalidEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
