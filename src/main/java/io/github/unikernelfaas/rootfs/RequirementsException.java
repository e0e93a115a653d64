package io.github.unikernelfaas.rootfs;

import io.github.unikernelfaas.UnikernelException;

/** requirements.txt cannot be installed for the unikernel; the message names the package and why. */
public class RequirementsException extends UnikernelException {
    public RequirementsException(String message) {
        super(message);
    }
}
