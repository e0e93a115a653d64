package io.github.unikernelfaas.vm;

import java.util.List;

/** How QEMU runs the guest: hardware virtualisation, or software emulation. */
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
}
