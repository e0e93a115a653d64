package io.github.unikernelfaas.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelBundleTest {
    @TempDir
    Path dir;

    @Test
    void readsEveryCompanionRelativeToTheDirectory() throws IOException {
        Files.writeString(dir.resolve("vmlinux"), "k");
        Files.writeString(dir.resolve("initrd.img"), "i");
        Files.writeString(dir.resolve(KernelBundle.FILE), """
                kernel=vmlinux
                initrd=initrd.img
                kernelArgs=console=ttyS0 port={guestPort}
                qemuArgs=-machine q35 -fsdev local,id=u,path=/usr
                initrdRoot=fs0
                stdlib=none
                """);
        KernelBundle b = KernelBundle.read(dir);
        assertEquals(dir.resolve("vmlinux"), b.kernel());
        assertEquals(Optional.of(dir.resolve("initrd.img")), b.initrd());
        assertEquals(Optional.of("console=ttyS0 port={guestPort}"), b.kernelArgs());
        assertEquals(Optional.of("-machine q35 -fsdev local,id=u,path=/usr"), b.qemuArgs());
        assertEquals(Optional.of("fs0"), b.initrdRoot());
        assertEquals(Optional.of("none"), b.stdlib());
    }

    @Test
    void aDirectoryWithAFileNamedKernelIsABundleOfOne() throws IOException {
        Files.writeString(dir.resolve("kernel"), "k");
        KernelBundle b = KernelBundle.read(dir);
        assertEquals(dir.resolve("kernel"), b.kernel());
        assertTrue(b.initrd().isEmpty() && b.kernelArgs().isEmpty() && b.stdlib().isEmpty());
    }

    @Test
    void anEmptyDirectoryIsRefusedNamingTheBundleFile() {
        VmException e = assertThrows(VmException.class, () -> KernelBundle.read(dir));
        assertTrue(e.getMessage().contains(KernelBundle.FILE), e.getMessage());
    }

    @Test
    void aMissingCompanionIsNamed() throws IOException {
        Files.writeString(dir.resolve("vmlinux"), "k");
        Files.writeString(dir.resolve(KernelBundle.FILE), "kernel=vmlinux\ninitrd=gone.img\n");
        VmException e = assertThrows(VmException.class, () -> KernelBundle.read(dir));
        assertTrue(e.getMessage().contains("initrd=gone.img"), e.getMessage());
    }

    @Test
    void aMistypedKeyIsRefused() throws IOException {
        Files.writeString(dir.resolve("vmlinux"), "k");
        Files.writeString(dir.resolve(KernelBundle.FILE), "kernel=vmlinux\nkernelArg=x\n");
        VmException e = assertThrows(VmException.class, () -> KernelBundle.read(dir));
        assertTrue(e.getMessage().contains("kernelArg"), e.getMessage());
    }

    @Test
    void aBundleWithoutKernelIsRefused() throws IOException {
        Files.writeString(dir.resolve(KernelBundle.FILE), "stdlib=none\n");
        VmException e = assertThrows(VmException.class, () -> KernelBundle.read(dir));
        assertTrue(e.getMessage().contains("names no kernel"), e.getMessage());
    }
}
