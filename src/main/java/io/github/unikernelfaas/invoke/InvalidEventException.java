package io.github.unikernelfaas.invoke;

/** A test event or expectation file is not valid JSON; the message names the file and position. */
public class InvalidEventException extends RuntimeException {
    public InvalidEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
