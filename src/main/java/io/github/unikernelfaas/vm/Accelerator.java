package io.github.unikernelfaas.vm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** How QEMU runs the guest: hardware virtualisation when the host offers it, else emulation. */
public enum Accelerator {
    KVM("KVM", List.of("-enable-kvm", "-cpu", "host")),
    TCG("TCG, software emulation", List.of("-accel", "tcg", "-cpu", "max"));

    private final String description;
    private final List<String> qemuArgs;

    Accelerator(String description, List<String> qemuArgs) {
        this.description = description;
        this.qemuArgs = qemuArgs;
    }

    public String description() {
        return description;
    }

    public List<String> qemuArgs() {
        return qemuArgs;
    }

    /** KVM only when the device node is there and we may open it for reading and writing. */
    public static Accelerator detect(Path devKvm) {
        return Files.isReadable(devKvm) && Files.isWritable(devKvm) ? KVM : TCG;
    }

    /** Parses the {@code unikernel.accel} setting: auto, kvm or tcg. */
    public static Accelerator choose(String setting, Path devKvm) {
        String s = setting == null ? "auto" : setting.trim().toLowerCase(java.util.Locale.ROOT);
        switch (s) {
            case "", "auto":
                return detect(devKvm);
            case "kvm":
                if (detect(devKvm) != KVM) {
                    throw new VmException("unikernel.accel=kvm but " + devKvm
                            + " is missing or not read-writable for this user: add the user to the 'kvm' group,"
                            + " or use -Dunikernel.accel=auto to fall back to software emulation");
                }
                return KVM;
            case "tcg":
                return TCG;
            default:
                throw new VmException("unikernel.accel must be auto, kvm or tcg, not '" + setting + "'");
        }
    }
}
