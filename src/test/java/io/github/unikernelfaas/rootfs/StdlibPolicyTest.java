package io.github.unikernelfaas.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.rootfs.StdlibPolicy.Decision;
import io.github.unikernelfaas.rootfs.StdlibPolicy.Mode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StdlibPolicyTest {
    @TempDir
    Path dir;

    private Path linux;
    private Path unikraft;

    @BeforeEach
    void kernels() throws Exception {
        byte[] bz = new byte[1024];
        System.arraycopy("HdrS".getBytes(StandardCharsets.US_ASCII), 0, bz, 0x202, 4);
        linux = Files.write(dir.resolve("bzImage"), bz);
        unikraft = Files.write(dir.resolve("python3_qemu-x86_64"), new byte[] {0x7f, 'E', 'L', 'F', 1, 1, 1, 0});
    }

    @Test
    void pluginBuiltKernelGetsTheStdlibAndRefusesNone() {
        assertTrue(StdlibPolicy.decide(Mode.AUTO, null).install());
        assertTrue(StdlibPolicy.decide(Mode.ALWAYS, null).install());
        StdlibException e = assertThrows(StdlibException.class, () -> StdlibPolicy.decide(Mode.NONE, null));
        assertTrue(e.getMessage().contains("unikernel.stdlib=none"), e.getMessage());
        assertTrue(e.getMessage().contains("No module named 'encodings'"), e.getMessage());
        assertTrue(e.getMessage().contains("Remove unikernel.stdlib"), e.getMessage());
    }

    @Test
    void autoLeavesItOutForALinuxKernelAndSaysWhy() {
        Decision d = StdlibPolicy.decide(Mode.AUTO, linux);
        assertFalse(d.install());
        assertTrue(d.reason().contains(linux + " is a Linux bzImage"), d.reason());
        assertTrue(d.reason().contains("unikernel.stdlib=always"), d.reason());
    }

    @Test
    void autoAddsItForAnyOtherKernel() {
        Decision d = StdlibPolicy.decide(Mode.AUTO, unikraft);
        assertTrue(d.install());
        assertTrue(d.reason().contains("not a Linux kernel"), d.reason());
    }

    @Test
    void alwaysAndNoneOverrideTheDetection() {
        assertTrue(StdlibPolicy.decide(Mode.ALWAYS, linux).install());
        assertTrue(StdlibPolicy.decide(Mode.ALWAYS, unikraft).install());
        assertFalse(StdlibPolicy.decide(Mode.NONE, linux).install());
        assertFalse(StdlibPolicy.decide(Mode.NONE, unikraft).install());
        // Neither reads the kernel, so neither cares whether it exists.
        Path missing = dir.resolve("not-built-yet");
        assertFalse(StdlibPolicy.decide(Mode.NONE, missing).install());
        assertTrue(StdlibPolicy.decide(Mode.ALWAYS, missing).install());
    }

    @Test
    void autoWithAMissingKernelNamesThePathAndTheWayOut() {
        Path missing = dir.resolve("typo-vmlinux");
        StdlibException e = assertThrows(StdlibException.class, () -> StdlibPolicy.decide(Mode.AUTO, missing));
        assertTrue(e.getMessage().contains("unikernel.kernel " + missing + " (no such file)"), e.getMessage());
        assertTrue(e.getMessage().contains("Fix the path"), e.getMessage());
    }

    @Test
    void modeParsesItsThreeValuesOnly() {
        assertEquals(Mode.AUTO, Mode.parse("auto"));
        assertEquals(Mode.NONE, Mode.parse(" None "));
        assertEquals(Mode.ALWAYS, Mode.parse("ALWAYS"));
        StdlibException e = assertThrows(StdlibException.class, () -> Mode.parse("yes"));
        assertEquals("unikernel.stdlib must be auto, always or none, not 'yes'", e.getMessage());
        assertThrows(StdlibException.class, () -> Mode.parse(null));
    }
}
