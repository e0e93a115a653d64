package io.github.unikernelfaas.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.invoke.FunctionClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A project whose path holds a space and a comma: QEMU's multiboot -initrd splits at both, its option values at
 * commas. Every file QEMU opens reaches it through a path it takes as it is.
 */
class LaunchPathsTest {
    @TempDir
    Path dir;

    private Path project() throws Exception {
        return Files.createDirectories(dir.resolve("my fn, v2/target/unikernel"));
    }

    private static void assertNoArgumentNames(List<String> cmd, Path unsafe) {
        String bare = unsafe.toString();
        for (String arg : cmd) {
            assertFalse(arg.contains("my fn") || arg.contains(bare) || arg.contains(bare.replace(",", ",,")),
                    "QEMU would split " + arg);
        }
    }

    @Test
    void everyFileAndTheSocketOfAProjectWithASpaceAndACommaAreSafe() throws Exception {
        Path work = project();
        Path kernel = Files.writeString(work.resolve("kernel"), "k");
        Path own = Files.writeString(work.resolve("initrd.img"), "i");
        Path cpio = Files.writeString(work.resolve("fs0.cpio"), "c");
        Path fs0 = Files.createDirectories(work.resolve("fs0"));
        Machine m = new Machine(Qemu.INSTANCE, Path.of("/usr/bin/qemu-system-x86_64"), Accelerator.TCG, 64, List.of(), "t");
        for (RootKind root : RootKind.values()) {
            VmConfig c = new VmConfig(m, new Guest(kernel, root == RootKind.INITRD ? null : own, "", root, fs0, cpio, 40001,
                    8123, VirtioMode.LEGACY));
            try (LaunchPaths paths = new LaunchPaths(dir.resolve("cache/vms/0123-1.paths"))) {
                Path socket = paths.socket(work.resolve("qmp.sock"));
                List<String> cmd = Qemu.INSTANCE.command(c, socket, paths::file);
                assertNoArgumentNames(cmd, work);
                assertTrue(LaunchPaths.safe(socket), socket.toString());
                Path k = Path.of(cmd.get(cmd.indexOf("-kernel") + 1));
                assertEquals(kernel.toRealPath(), k.toRealPath(), "a link to the kernel");
                Path i = Path.of(cmd.get(cmd.indexOf("-initrd") + 1));
                assertEquals((root == RootKind.INITRD ? cpio : own).toRealPath(), i.toRealPath());
                if (root == RootKind.NINE_P) {
                    String fsdev = cmd.get(cmd.indexOf("-fsdev") + 1);
                    String path = fsdev.replaceAll(".*,path=([^,]+),.*", "$1");
                    assertEquals(fs0.toRealPath(), Path.of(path).toRealPath(), fsdev);
                }
                assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(dir.resolve("cache/vms/0123-1.paths"))));
            }
            assertFalse(Files.exists(dir.resolve("cache/vms/0123-1.paths")), "the links go with the VM");
            assertTrue(Files.exists(kernel) && Files.exists(cpio) && Files.exists(fs0), "never their targets");
        }
    }

    @Test
    void safePathsAreTakenAsTheyAre() throws Exception {
        Path work = Files.createDirectories(dir.resolve("plain/target/unikernel"));
        Path kernel = Files.writeString(work.resolve("kernel"), "k");
        try (LaunchPaths paths = new LaunchPaths(dir.resolve("cache/vms/0123-1.paths"))) {
            assertEquals(kernel, paths.file(kernel));
            assertEquals(work.resolve("qmp.sock"), paths.socket(work.resolve("qmp.sock")));
        }
        assertFalse(Files.exists(dir.resolve("cache/vms/0123-1.paths")), "no directory when none is needed");
    }

    @Test
    void aFakeMultibootQemuBootsTheInitrdRootFromSuchAProject() throws Exception {
        Path work = project();
        Path qemu = dir.resolve("qemu-system-fake");
        Files.copy(Path.of("src/test/resources/fake-qemu/qemu-system-fake"), qemu, StandardCopyOption.REPLACE_EXISTING);
        qemu.toFile().setExecutable(true);
        Path kernel = Files.writeString(work.resolve("kernel"), "serve");
        Path cpio = Files.writeString(work.resolve("fs0.cpio"), "c");
        VmConfig c = new VmConfig(new Machine(Qemu.INSTANCE, qemu, Accelerator.TCG, 64, List.of(), "t"),
                new Guest(kernel, null, "", RootKind.INITRD, null, cpio, Ports.free(), 8123, VirtioMode.LEGACY));
        List<String> log = new ArrayList<>();
        VmRecord record = VmRecord.forProject(dir.resolve("cache"), work.getParent().getParent());
        try (FunctionVm vm = FunctionVm.boot(c, AcceleratorChoice.of(Accelerator.TCG), null, work, record,
                FunctionClient.newHttpClient(), Duration.ofSeconds(30), BootLog.to(log::add))) {
            assertTrue(vm.isAlive());
            List<String> cmd = Files.readAllLines(work.resolve(VirtualMachine.COMMAND_FILE));
            assertNoArgumentNames(cmd, work);
            assertTrue(vm.vm().haltedState().isEmpty(), "QMP answers on the socket in the private directory");
        }
        assertFalse(Files.exists(LaunchPaths.besideRecord(record.file())), "the links went with the VM");
    }
}
