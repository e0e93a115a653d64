package io.github.unikernelfaas.image;

/** The image could not be built or pushed; the message says why and what to do. */
public class ImageException extends RuntimeException {
    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
