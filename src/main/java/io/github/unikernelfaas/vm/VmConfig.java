package io.github.unikernelfaas.vm;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Everything needed to boot one function VM.
 *
 * @param qemu        the qemu-system-x86_64 binary
 * @param kernel      the kernel image
 * @param initrd      optional initial ramdisk (null for none)
 * @param kernelArgs  the kernel command line; {@value #GUEST_PORT_TOKEN} is replaced by the guest port
 * @param root        how fs0 reaches the guest
 * @param fs0         the root filesystem directory, shared read-only over 9p as tag {@code fs0} (9p root)
 * @param fs0Initrd   fs0 as a CPIO archive (initrd root), appended to {@code initrd} when there is one
 * @param memoryMb    guest memory
 * @param hostPort    port on 127.0.0.1 forwarded to the guest
 * @param guestPort   port the in-guest wrapper listens on
 * @param accelerator KVM or TCG
 * @param extraArgs   user-supplied QEMU arguments, appended last
 * @param name        tag put on the QEMU command line so stale VMs of this project can be recognised
 * @param virtio      the virtio interface the kernel drives (its flavour says which)
 */
public record VmConfig(
        Path qemu,
        Path kernel,
        Path initrd,
        String kernelArgs,
        RootKind root,
        Path fs0,
        Path fs0Initrd,
        int memoryMb,
        int hostPort,
        int guestPort,
        Accelerator accelerator,
        List<String> extraArgs,
        String name,
        VirtioMode virtio) {

    public static final String GUEST_PORT_TOKEN = "{guestPort}";

    public VmConfig {
        Objects.requireNonNull(qemu, "qemu");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(root == RootKind.NINE_P ? fs0 : fs0Initrd, "fs0");
        Objects.requireNonNull(accelerator, "accelerator");
        virtio = virtio == null ? VirtioMode.TRANSITIONAL : virtio;
        kernelArgs = kernelArgs == null ? "" : kernelArgs;
        extraArgs = extraArgs == null ? List.of() : List.copyOf(extraArgs);
        if (memoryMb < 16) {
            throw new VmException("unikernel.memory must be at least 16 (MiB), not " + memoryMb);
        }
        checkPort("host port", hostPort);
        checkPort("unikernel.guestPort", guestPort);
    }

    /** QEMU's default virtio interface (both), for a kernel that drives either. */
    public VmConfig(Path qemu, Path kernel, Path initrd, String kernelArgs, RootKind root, Path fs0, Path fs0Initrd,
            int memoryMb, int hostPort, int guestPort, Accelerator accelerator, List<String> extraArgs, String name) {
        this(qemu, kernel, initrd, kernelArgs, root, fs0, fs0Initrd, memoryMb, hostPort, guestPort, accelerator,
                extraArgs, name, VirtioMode.TRANSITIONAL);
    }

    private static void checkPort(String what, int port) {
        if (port < 1 || port > 65535) {
            throw new VmException(what + " must be between 1 and 65535, not " + port);
        }
    }

    /** The command line as the guest sees it. */
    public String resolvedKernelArgs() {
        return kernelArgs.replace(GUEST_PORT_TOKEN, Integer.toString(guestPort)).trim();
    }

    public VmConfig withAccelerator(Accelerator a) {
        return new VmConfig(qemu, kernel, initrd, kernelArgs, root, fs0, fs0Initrd, memoryMb, hostPort, guestPort, a,
                extraArgs, name, virtio);
    }
}
