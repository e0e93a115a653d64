package io.github.unikernelfaas.deploy;

/** Bad deploy settings or an artefact that could not be written; the message names the fix. */
public class DeployException extends RuntimeException {
    public DeployException(String message) {
        super(message);
    }

    public DeployException(String message, Throwable cause) {
        super(message, cause);
    }
}
