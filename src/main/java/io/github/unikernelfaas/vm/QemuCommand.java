package io.github.unikernelfaas.vm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds the QEMU command line for a function VM (see DESIGN.md, guest contract). */
public final class QemuCommand {
    private QemuCommand() {
    }

    /** @param qmpSocket where QEMU listens for QMP (its run state tells a KVM failure from a slow guest) */
    public static List<String> of(VmConfig c, Path qmpSocket) {
        List<String> cmd = new ArrayList<>();
        cmd.add(c.qemu().toString());
        if (c.name() != null && !c.name().isBlank()) {
            cmd.add("-name");
            cmd.add(c.name().replace(",", ",,"));
        }
        cmd.addAll(c.accelerator().qemuArgs());
        cmd.add("-m");
        cmd.add(c.memoryMb() + "M");
        cmd.add("-nographic");
        cmd.add("-nodefaults");
        cmd.add("-no-reboot");
        cmd.add("-serial");
        cmd.add("stdio");
        cmd.add("-kernel");
        cmd.add(c.kernel().toString());
        Path initrd = initrd(c);
        if (initrd != null) {
            cmd.add("-initrd");
            cmd.add(initrd.toString());
        }
        String args = c.resolvedKernelArgs();
        if (!args.isEmpty()) {
            cmd.add("-append");
            cmd.add(args);
        }
        if (c.root() == RootKind.NINE_P) {
            cmd.add("-fsdev");
            cmd.add("local,id=fs0,path=" + escape(c.fs0().toAbsolutePath().toString())
                    + ",security_model=none,readonly=on");
            cmd.add("-device");
            cmd.add("virtio-9p-pci,fsdev=fs0,mount_tag=fs0" + virtioFlags(c));
        }
        // The forward is bound to loopback only: the function must never be reachable from the network.
        cmd.add("-netdev");
        cmd.add("user,id=n0,hostfwd=tcp:127.0.0.1:" + c.hostPort() + "-:" + c.guestPort());
        cmd.add("-device");
        // romfile= drops the NIC's iPXE option ROM: nothing network-boots, and it costs ~0.4 s under TCG.
        cmd.add("virtio-net-pci,netdev=n0" + virtioFlags(c) + ",romfile=");
        cmd.add("-qmp");
        cmd.add("unix:" + escape(qmpSocket.toAbsolutePath().toString()) + ",server=on,wait=off");
        cmd.addAll(c.extraArgs());
        return cmd;
    }

    /**
     * The initrd QEMU loads: the kernel's own, fs0's CPIO (initrd root), or both concatenated (Linux
     * unpacks every archive of a concatenation; see {@link VirtualMachine#start}).
     */
    static Path initrd(VmConfig c) {
        if (c.root() != RootKind.INITRD) {
            return c.initrd();
        }
        return c.initrd() == null ? c.fs0Initrd() : c.fs0Initrd().resolveSibling(COMBINED_INITRD);
    }

    /** Beside fs0's CPIO: the kernel's initrd followed by fs0's. */
    static final String COMBINED_INITRD = "initrd-with-fs0.img";

    /** The kernel's virtio mode as device properties (with their leading comma), empty for QEMU's default. */
    private static String virtioFlags(VmConfig c) {
        String flags = c.virtio().qemuFlags();
        return flags.isEmpty() ? "" : "," + flags;
    }

    /** QEMU option values escape a comma by doubling it. */
    static String escape(String value) {
        return value.replace(",", ",,");
    }
}
