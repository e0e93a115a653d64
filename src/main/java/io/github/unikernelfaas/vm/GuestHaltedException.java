package io.github.unikernelfaas.vm;

/** The guest stopped for good while QEMU lives on (QMP run state such as internal-error). */
public class GuestHaltedException extends VmException {
    private final String state;

    public GuestHaltedException(String state, String message) {
        super(message);
        this.state = state;
    }

    /** QEMU's run state, e.g. internal-error or guest-panicked. */
    public String state() {
        return state;
    }
}
