package io.github.unikernelfaas.vm;

import io.github.unikernelfaas.host.HostTool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** QEMU as the function VM's monitor: its command line (see DESIGN.md, guest contract), binary and accelerators. */
public final class Qemu implements Vmm {
    public static final String BINARY = "qemu-system-x86_64";
    static final String INSTALL_HINT = "Install QEMU (Debian/Ubuntu: sudo apt-get install --no-install-recommends"
            + " qemu-system-x86; Fedora: sudo dnf install qemu-system-x86-core)";
    /** Beside fs0's CPIO: the kernel's initrd followed by fs0's. */
    static final String COMBINED_INITRD = "initrd-with-fs0.img";

    public static final Qemu INSTANCE = new Qemu();

    private Qemu() {
    }

    @Override
    public String name() {
        return "QEMU";
    }

    /** @param configured an explicit path or binary name (unikernel.qemu), or null to search PATH */
    @Override
    public Path locate(String configured, String pathEnv) {
        return HostTool.require(configured, BINARY, pathEnv, "unikernel.qemu", INSTALL_HINT);
    }

    @Override
    public String processMatch() {
        return "qemu-system";
    }

    static List<String> acceleratorArgs(Accelerator a) {
        return a == Accelerator.KVM ? List.of("-enable-kvm", "-cpu", "host") : List.of("-accel", "tcg", "-cpu", "max");
    }

    /** @param qmpSocket where QEMU listens for QMP */
    @Override
    public List<String> command(VmConfig config, Path qmpSocket, java.util.function.UnaryOperator<Path> files) {
        Machine m = config.machine();
        Guest g = config.guest();
        List<String> cmd = new ArrayList<>();
        cmd.add(m.binary().toString());
        if (m.name() != null && !m.name().isBlank()) {
            cmd.add("-name");
            cmd.add(m.name().replace(",", ",,"));
        }
        cmd.addAll(acceleratorArgs(m.accelerator()));
        cmd.add("-m");
        cmd.add(m.memoryMb() + "M");
        cmd.add("-nographic");
        cmd.add("-nodefaults");
        cmd.add("-no-reboot");
        cmd.add("-serial");
        cmd.add("stdio");
        cmd.add("-kernel");
        cmd.add(files.apply(g.kernel()).toString());
        Path initrd = initrd(config);
        if (initrd != null) {
            cmd.add("-initrd");
            cmd.add(files.apply(initrd).toString());
        }
        String args = g.resolvedKernelArgs();
        if (!args.isEmpty()) {
            cmd.add("-append");
            cmd.add(args);
        }
        if (g.root() == RootKind.NINE_P) {
            cmd.add("-fsdev");
            cmd.add("local,id=fs0,path=" + escape(files.apply(g.fs0().toAbsolutePath()).toString())
                    + ",security_model=none,readonly=on");
            cmd.add("-device");
            cmd.add("virtio-9p-pci,fsdev=fs0,mount_tag=fs0" + virtioFlags(g.virtio()));
        }
        // The forward is bound to loopback only: the function must never be reachable from the network.
        cmd.add("-netdev");
        cmd.add("user,id=n0,hostfwd=tcp:127.0.0.1:" + g.hostPort() + "-:" + g.guestPort());
        cmd.add("-device");
        // romfile= drops the NIC's iPXE option ROM: nothing network-boots, and it costs ~0.4 s under TCG.
        cmd.add("virtio-net-pci,netdev=n0" + virtioFlags(g.virtio()) + ",romfile=");
        cmd.add("-qmp");
        cmd.add("unix:" + escape(qmpSocket.toAbsolutePath().toString()) + ",server=on,wait=off");
        cmd.addAll(m.extraArgs());
        return cmd;
    }

    /**
     * The initrd QEMU loads: the kernel's own, fs0's CPIO (initrd root), or both concatenated (Linux
     * unpacks every archive of a concatenation; see {@link VirtualMachine#start}).
     */
    @Override
    public Path initrd(VmConfig config) {
        Guest g = config.guest();
        if (g.root() != RootKind.INITRD) {
            return g.initrd();
        }
        return g.initrd() == null ? g.fs0Initrd() : g.fs0Initrd().resolveSibling(COMBINED_INITRD);
    }

    /**
     * QEMU 7.2 has no {@code file:} migration URI: {@code exec:} runs the command with /bin/sh, so the path is
     * single-quoted for the shell.
     */
    @Override
    public List<String> restoreArgs(Path state) {
        return List.of("-incoming", "exec:cat " + shellQuote(state.toAbsolutePath().toString()));
    }

    @Override
    public String saveTarget(Path file) {
        return "exec:cat > " + shellQuote(file.toAbsolutePath().toString());
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** The virtio-*-pci properties (with their leading comma) that offer only the interface the kernel drives. */
    static String virtioFlags(VirtioMode mode) {
        return switch (mode) {
            case LEGACY -> ",disable-modern=on,disable-legacy=off";
            case MODERN -> ",disable-modern=off,disable-legacy=on";
            case TRANSITIONAL -> "";
        };
    }

    /** QEMU option values escape a comma by doubling it. */
    static String escape(String value) {
        return value.replace(",", ",,");
    }
}
