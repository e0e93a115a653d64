package io.github.unikernelfaas.vm;

import io.github.unikernelfaas.SettingRange;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The function guest.
 *
 * @param kernel     the kernel image
 * @param initrd     the kernel's own initial ramdisk (null for none)
 * @param kernelArgs the kernel command line; {@value #GUEST_PORT_TOKEN} is replaced by the guest port
 * @param root       how fs0 reaches the guest
 * @param fs0        the root filesystem directory, shared read-only over 9p as tag {@code fs0} (9p root)
 * @param fs0Initrd  fs0 as a CPIO archive (initrd root), appended to {@code initrd} when there is one
 * @param hostPort   port on 127.0.0.1 forwarded to the guest
 * @param guestPort  port the in-guest wrapper listens on
 * @param virtio     the virtio interface the kernel drives (its flavour says which)
 */
public record Guest(Path kernel, Path initrd, String kernelArgs, RootKind root, Path fs0, Path fs0Initrd,
        int hostPort, int guestPort, VirtioMode virtio) {
    public static final String GUEST_PORT_TOKEN = "{guestPort}";

    public Guest {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(virtio, "virtio");
        Objects.requireNonNull(root == RootKind.NINE_P ? fs0 : fs0Initrd, "fs0");
        kernelArgs = kernelArgs == null ? "" : kernelArgs;
        if (hostPort < 1 || hostPort > 65535) {
            throw new VmException("host port must be between 1 and 65535, not " + hostPort);
        }
        SettingRange.GUEST_PORT.check(guestPort, VmException::new);
    }

    /** The command line as the guest sees it. */
    public String resolvedKernelArgs() {
        return resolve(kernelArgs, guestPort);
    }

    /** {@code args} with {@value #GUEST_PORT_TOKEN} replaced by the guest port. */
    public static String resolve(String args, int guestPort) {
        return args.replace(GUEST_PORT_TOKEN, Integer.toString(guestPort)).trim();
    }
}
