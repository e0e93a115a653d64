package io.github.unikernelfaas.env;

/** A bad environment setting or secret: the message names the source and the fix. */
public class EnvException extends RuntimeException {
    public EnvException(String message) {
        super(message);
    }
}
