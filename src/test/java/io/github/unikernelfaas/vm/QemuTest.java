package io.github.unikernelfaas.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class QemuTest {
    private static final Path QMP = Path.of("/p/target/unikernel/qmp.sock");

    private static VmConfig config(Accelerator accel, Path initrd, List<String> extra) {
        return new VmConfig(new Machine(Qemu.INSTANCE, Path.of("/usr/bin/qemu-system-x86_64"), accel, 256, extra, "unikernel-faas:demo"),
                new Guest(Path.of("/k/kernel"), initrd, "netdev.ipv4_addr=10.0.2.15 -- -m app.wrapper --port {guestPort}", RootKind.NINE_P, Path.of("/p/target/fs0"), null, 40001, 8123, VirtioMode.LEGACY));
    }

    private static String after(List<String> cmd, String flag, int nth) {
        int seen = 0;
        for (int i = 0; i < cmd.size() - 1; i++) {
            if (cmd.get(i).equals(flag) && seen++ == nth) {
                return cmd.get(i + 1);
            }
        }
        throw new AssertionError(flag + " #" + nth + " not in " + cmd);
    }

    @Test
    void tcgUsesSoftwareEmulationAndNoKvm() {
        List<String> cmd = Qemu.INSTANCE.command(config(Accelerator.TCG, null, List.of()), QMP);
        assertEquals("/usr/bin/qemu-system-x86_64", cmd.get(0));
        assertEquals("tcg", after(cmd, "-accel", 0));
        assertEquals("max", after(cmd, "-cpu", 0));
        assertFalse(cmd.contains("-enable-kvm"));
    }

    @Test
    void kvmEnablesKvmWithHostCpu() {
        List<String> cmd = Qemu.INSTANCE.command(config(Accelerator.KVM, null, List.of()), QMP);
        assertTrue(cmd.contains("-enable-kvm"));
        assertEquals("host", after(cmd, "-cpu", 0));
        assertFalse(cmd.contains("tcg"));
    }

    @Test
    void portForwardIsBoundToLoopbackOnly() {
        List<String> cmd = Qemu.INSTANCE.command(config(Accelerator.TCG, null, List.of()), QMP);
        String netdev = after(cmd, "-netdev", 0);
        assertEquals("user,id=n0,hostfwd=tcp:127.0.0.1:40001-:8123", netdev);
        assertEquals("virtio-net-pci,netdev=n0,disable-modern=on,disable-legacy=off,romfile=", after(cmd, "-device", 1));
    }

    @Test
    void fs0IsSharedReadOnlyOver9pAsTagFs0() {
        List<String> cmd = Qemu.INSTANCE.command(config(Accelerator.TCG, null, List.of()), QMP);
        assertEquals("local,id=fs0,path=/p/target/fs0,security_model=none,readonly=on", after(cmd, "-fsdev", 0));
        assertEquals("virtio-9p-pci,fsdev=fs0,mount_tag=fs0,disable-modern=on,disable-legacy=off",
                after(cmd, "-device", 0));
    }

    @Test
    void theVirtioModeSelectsTheDevicesInterface() {
        VmConfig legacy = config(Accelerator.TCG, null, List.of());
        Guest g = legacy.guest();
        VmConfig modern = new VmConfig(legacy.machine(), new Guest(g.kernel(), null, "", RootKind.NINE_P, g.fs0(), null,
                1, 2, VirtioMode.MODERN));
        assertEquals("virtio-9p-pci,fsdev=fs0,mount_tag=fs0,disable-modern=off,disable-legacy=on",
                after(Qemu.INSTANCE.command(modern, QMP), "-device", 0));
        VmConfig both = new VmConfig(legacy.machine(), new Guest(g.kernel(), null, "", RootKind.NINE_P, g.fs0(), null,
                1, 2, VirtioMode.TRANSITIONAL));
        assertEquals("virtio-9p-pci,fsdev=fs0,mount_tag=fs0", after(Qemu.INSTANCE.command(both, QMP), "-device", 0),
                "transitional: QEMU offers both interfaces");
        assertEquals("virtio-net-pci,netdev=n0,romfile=", after(Qemu.INSTANCE.command(both, QMP), "-device", 1));
        assertEquals(VirtioMode.LEGACY, legacy.withAccelerator(Accelerator.KVM).guest().virtio(),
                "kept across attempts");
    }

    @Test
    void commasInPathsAreEscaped() {
        VmConfig c = new VmConfig(new Machine(Qemu.INSTANCE, Path.of("q"), Accelerator.TCG, 64, List.of(), null),
                new Guest(Path.of("k"), null, "", RootKind.NINE_P, Path.of("/a,b/fs0"), null, 1, 2, VirtioMode.LEGACY));
        assertEquals("local,id=fs0,path=/a,,b/fs0,security_model=none,readonly=on",
                after(Qemu.INSTANCE.command(c, QMP), "-fsdev", 0));
        assertFalse(Qemu.INSTANCE.command(c, QMP).contains("-append"), "an empty command line is not passed");
    }

    @Test
    void guestPortIsSubstitutedInTheKernelCommandLine() {
        List<String> cmd = Qemu.INSTANCE.command(config(Accelerator.TCG, null, List.of()), QMP);
        assertEquals("netdev.ipv4_addr=10.0.2.15 -- -m app.wrapper --port 8123", after(cmd, "-append", 0));
    }

    @Test
    void consoleGoesToStdioWithoutDefaultDevicesOrReboot() {
        List<String> cmd = Qemu.INSTANCE.command(config(Accelerator.TCG, null, List.of()), QMP);
        assertEquals("stdio", after(cmd, "-serial", 0));
        assertTrue(cmd.containsAll(List.of("-nographic", "-nodefaults", "-no-reboot")));
        assertEquals("256M", after(cmd, "-m", 0));
        assertEquals("unikernel-faas:demo", after(cmd, "-name", 0));
    }

    @Test
    void initrdAndExtraArgumentsArePassed() {
        List<String> cmd = Qemu.INSTANCE.command(config(Accelerator.TCG, Path.of("/k/initrd.img"), List.of("-smp", "2")), QMP);
        assertEquals("/k/initrd.img", after(cmd, "-initrd", 0));
        assertEquals(List.of("-smp", "2"), cmd.subList(cmd.size() - 2, cmd.size()), "extra args come last");
    }

    @Test
    void rejectsNonsenseSettings() {
        assertThrows(VmException.class, () -> new VmConfig(new Machine(Qemu.INSTANCE, Path.of("q"), Accelerator.TCG, 8, List.of(), null),
                new Guest(Path.of("k"), null, "", RootKind.NINE_P, Path.of("f"), null, 1, 2, VirtioMode.LEGACY)));
        assertThrows(VmException.class, () -> new VmConfig(new Machine(Qemu.INSTANCE, Path.of("q"), Accelerator.TCG, 64, List.of(), null),
                new Guest(Path.of("k"), null, "", RootKind.NINE_P, Path.of("f"), null, 1, 70000, VirtioMode.LEGACY)));
    }

    @Test
    void qmpListensOnAUnixSocketOnly() {
        List<String> cmd = Qemu.INSTANCE.command(config(Accelerator.TCG, null, List.of()), QMP);
        assertEquals("unix:/p/target/unikernel/qmp.sock,server=on,wait=off", after(cmd, "-qmp", 0));
    }

    @Test
    void theInitrdRootReplacesThe9pShare() {
        VmConfig c = new VmConfig(new Machine(Qemu.INSTANCE, Path.of("q"), Accelerator.TCG, 64, List.of(), null),
                new Guest(Path.of("k"), null, "vfs.rootfs=initrd", RootKind.INITRD, null, Path.of("/p/target/unikernel/fs0.cpio"), 1, 2, VirtioMode.LEGACY));
        List<String> cmd = Qemu.INSTANCE.command(c, QMP);
        assertEquals("/p/target/unikernel/fs0.cpio", after(cmd, "-initrd", 0));
        assertFalse(cmd.contains("-fsdev"), "no 9p share: " + cmd);
        assertFalse(cmd.stream().anyMatch(a -> a.startsWith("virtio-9p-pci")), cmd.toString());
    }

    @Test
    void aKernelsOwnInitrdIsFollowedByFs0s() {
        VmConfig c = new VmConfig(new Machine(Qemu.INSTANCE, Path.of("q"), Accelerator.TCG, 64, List.of(), null),
                new Guest(Path.of("k"), Path.of("/t/initrd.img"), "", RootKind.INITRD, null, Path.of("/p/target/unikernel/fs0.cpio"), 1, 2, VirtioMode.LEGACY));
        assertEquals("/p/target/unikernel/" + Qemu.COMBINED_INITRD, after(Qemu.INSTANCE.command(c, QMP), "-initrd", 0));
    }
}
