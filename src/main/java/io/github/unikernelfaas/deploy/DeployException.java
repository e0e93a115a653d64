package io.github.unikernelfaas.deploy;

import io.github.unikernelfaas.UnikernelException;

/** Bad deploy settings or an artefact that could not be written; the message names the fix. */
public class DeployException extends UnikernelException {
    public DeployException(String message) {
        super(message);
    }

    public DeployException(String message, Throwable cause) {
        super(message, cause);
    }
}
