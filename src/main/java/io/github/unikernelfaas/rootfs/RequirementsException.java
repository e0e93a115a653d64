package io.github.unikernelfaas.rootfs;

/** requirements.txt cannot be installed for the unikernel; the message names the package and why. */
public class RequirementsException extends RuntimeException {
    public RequirementsException(String message) {
        super(message);
    }
}
