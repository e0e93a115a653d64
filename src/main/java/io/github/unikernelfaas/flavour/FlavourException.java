package io.github.unikernelfaas.flavour;

import io.github.unikernelfaas.UnikernelException;

/** A flavour that does not exist or whose descriptor is invalid. */
public class FlavourException extends UnikernelException {
    public FlavourException(String message) {
        super(message);
    }

    public FlavourException(String message, Throwable cause) {
        super(message, cause);
    }
}
