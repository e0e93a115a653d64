package io.github.unikernelfaas.vm;

import java.util.List;

/** QEMU exited before the function answered. */
public class QemuExitedException extends VmException {
    private final List<String> consoleTail;

    public QemuExitedException(String message, List<String> consoleTail) {
        super(message);
        this.consoleTail = List.copyOf(consoleTail);
    }

    /** The last console lines, QEMU's own messages included. */
    public List<String> consoleTail() {
        return consoleTail;
    }
}
