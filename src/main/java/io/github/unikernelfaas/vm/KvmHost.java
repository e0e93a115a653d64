package io.github.unikernelfaas.vm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the host says about KVM before any guest runs: whether the device can be opened, and whether
 * the KVM behind it can run an ordinary guest at all.
 *
 * @param devKvm    the KVM device node
 * @param sysModule the kernel's loaded-module directory (/sys/module)
 */
public record KvmHost(Path devKvm, Path sysModule) {
    public static KvmHost system() {
        return new KvmHost(Path.of("/dev/kvm"), Path.of("/sys/module"));
    }

    /** Why KVM cannot be used on this host, or empty when it may be tried. */
    public Optional<String> problem() {
        if (!Files.exists(devKvm)) {
            return Optional.of(devKvm + " does not exist (no hardware virtualisation on this host)");
        }
        if (!Files.isReadable(devKvm) || !Files.isWritable(devKvm)) {
            return Optional.of(devKvm + " is not read-writable for this user (add the user to the 'kvm' group)");
        }
        // PVM (pagetable-based virtual machine) runs only guests built for it: Unikraft and stock Linux
        // guests stop with "KVM internal error ... emulation failure" (measured: 41 s after start).
        boolean pvm = Files.isDirectory(sysModule.resolve("kvm_pvm"));
        boolean hardware = Files.isDirectory(sysModule.resolve("kvm_intel"))
                || Files.isDirectory(sysModule.resolve("kvm_amd"));
        if (pvm && !hardware) {
            return Optional.of("the host's KVM is kvm_pvm (paravirtualised, nested in a VM), which runs only guests built"
                    + " for PVM");
        }
        return Optional.empty();
    }
}
