package io.github.unikernelfaas.vm;

import io.github.unikernelfaas.host.HostTool;
import java.nio.file.Path;

/** Finds qemu-system-x86_64, or says which package brings it. */
public final class QemuLocator {
    public static final String BINARY = "qemu-system-x86_64";
    static final String INSTALL_HINT = "Install QEMU (Debian/Ubuntu: sudo apt-get install --no-install-recommends"
            + " qemu-system-x86; Fedora: sudo dnf install qemu-system-x86-core)";

    private QemuLocator() {
    }

    /** @param configured an explicit path or binary name (unikernel.qemu), or null to search PATH */
    public static Path locate(String configured, String pathEnv) {
        return HostTool.require(configured, BINARY, pathEnv, "unikernel.qemu", INSTALL_HINT);
    }
}
