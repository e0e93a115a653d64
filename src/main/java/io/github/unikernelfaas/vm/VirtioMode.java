package io.github.unikernelfaas.vm;

import java.util.Locale;

/** Which virtio-pci interface QEMU offers the guest: a kernel may drive only one of them. */
public enum VirtioMode {
    /** Only the legacy (virtio 0.9) interface, for kernels that cannot drive the modern one. */
    LEGACY,
    /** Only the modern (virtio 1.0) interface. */
    MODERN,
    /** Both (QEMU's default). */
    TRANSITIONAL;

    /** The setting's name: legacy, modern or transitional. */
    public String setting() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static VirtioMode parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (VirtioMode m : values()) {
            if (m.setting().equals(v)) {
                return m;
            }
        }
        throw new VmException("The virtio mode must be legacy, modern or transitional, not '" + value + "'");
    }
}
