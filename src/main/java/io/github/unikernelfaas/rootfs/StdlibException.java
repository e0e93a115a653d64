package io.github.unikernelfaas.rootfs;

import io.github.unikernelfaas.UnikernelException;

/** unikernel.stdlib cannot be honoured as set; the message names the setting and the fix. */
public class StdlibException extends UnikernelException {
    public StdlibException(String message) {
        super(message);
    }

    public StdlibException(String message, Throwable cause) {
        super(message, cause);
    }
}
