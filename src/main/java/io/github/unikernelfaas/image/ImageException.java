package io.github.unikernelfaas.image;

import io.github.unikernelfaas.UnikernelException;

/** The image could not be built or pushed; the message says why and what to do. */
public class ImageException extends UnikernelException {
    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
