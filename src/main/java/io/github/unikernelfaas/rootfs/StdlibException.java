package io.github.unikernelfaas.rootfs;

/** unikernel.stdlib cannot be honoured as set; the message names the setting and the fix. */
public class StdlibException extends RuntimeException {
    public StdlibException(String message) {
        super(message);
    }

    public StdlibException(String message, Throwable cause) {
        super(message, cause);
    }
}
