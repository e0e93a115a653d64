package io.github.unikernelfaas.vm;

/** How the VMM runs the guest: hardware virtualisation, or software emulation. */
public enum Accelerator {
    KVM("KVM"),
    TCG("TCG, software emulation");

    private final String description;

    Accelerator(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
