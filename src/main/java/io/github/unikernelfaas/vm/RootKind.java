package io.github.unikernelfaas.vm;

import java.util.Locale;

/** How fs0 reaches the guest: a read-only 9p share of the directory, or a CPIO initrd in RAM. */
public enum RootKind {
    /** fs0 shared over virtio-9p (tag fs0); nothing to copy, but QEMU cannot snapshot such a VM. */
    NINE_P("9p"),
    /** fs0 as a CPIO archive unpacked into RAM at boot; what urunc and snapshots need. */
    INITRD("initrd");

    public static final String PROPERTY = "unikernel.rootfs";

    private final String setting;

    RootKind(String setting) {
        this.setting = setting;
    }

    /** The value of {@value #PROPERTY}. */
    public String setting() {
        return setting;
    }

    public static RootKind parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (RootKind k : values()) {
            if (k.setting.equals(v)) {
                return k;
            }
        }
        throw new VmException(PROPERTY + " must be 9p or initrd, not '" + value + "'");
    }
}
