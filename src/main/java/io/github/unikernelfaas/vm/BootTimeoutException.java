package io.github.unikernelfaas.vm;

/** QEMU kept running but the function never answered /health in time. */
public class BootTimeoutException extends VmException {
    public BootTimeoutException(String message) {
        super(message);
    }
}
