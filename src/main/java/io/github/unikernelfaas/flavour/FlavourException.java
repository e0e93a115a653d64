package io.github.unikernelfaas.flavour;

/** A flavour that does not exist or whose descriptor is invalid. */
public class FlavourException extends RuntimeException {
    public FlavourException(String message) {
        super(message);
    }

    public FlavourException(String message, Throwable cause) {
        super(message, cause);
    }
}
