package io.github.unikernelfaas.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Toolchain.check against a PATH of fake tools. */
class ToolchainTest {
    @TempDir
    Path bin;

    private void tool(String name, String script) throws Exception {
        Path p = Files.writeString(bin.resolve(name), "#!/bin/sh\n" + script + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private void allTools(String makeScript) throws Exception {
        for (String t : Toolchain.TOOLS.keySet()) {
            tool(t, "echo " + t + " 1.0");
        }
        tool("gcc", "echo 'gcc (Debian 12.2.0-14) 12.2.0'");
        tool("make", makeScript);
    }

    @Test
    void readsTheVersions() throws Exception {
        allTools("echo 'GNU Make 4.3'");
        Toolchain.Versions v = Toolchain.check(bin.toString(), bin.resolve("make"), Duration.ofSeconds(30));
        assertEquals("GNU Make 4.3", v.make());
        assertEquals("gcc (Debian 12.2.0-14) 12.2.0", v.gcc());
    }

    @Test
    void aToolThatHangsWithItsStdoutOpenTimesOut() throws Exception {
        allTools("echo 'GNU Make 4.3'; sleep 30");
        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> Toolchain.check(bin.toString(), bin.resolve("make"), Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("version timed out"), e.getMessage());
        assertTrue(e.getMessage().contains("did not finish within 1 s"), e.getMessage());
    }

    @Test
    void unikernelMakeNamesAMakeOffPath() throws Exception {
        allTools("echo 'GNU Make 3.81'");
        Path gmake = Files.createDirectories(bin.resolve("opt")).resolve("gmake");
        Files.writeString(gmake, "#!/bin/sh\necho 'GNU Make 4.4.1'\n");
        Files.setPosixFilePermissions(gmake, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path make = Toolchain.locateMake(gmake.toString(), bin.toString());
        assertEquals(gmake, make);
        assertEquals("GNU Make 4.4.1", Toolchain.check(bin.toString(), make).make(), "not PATH's old make");
        assertEquals(bin.resolve("make"), Toolchain.locateMake("make", bin.toString()), "a name is looked up on PATH");
    }

    @Test
    void aMissingConfiguredMakeNamesTheSetting() {
        Exception e = assertThrows(RuntimeException.class,
                () -> Toolchain.locateMake(bin.resolve("nope/make").toString(), bin.toString()));
        assertTrue(e.getMessage().contains("(unikernel.make) does not exist"), e.getMessage());
    }

    @Test
    void noMakeAnywhereIsNamedWithTheOtherMissingTools() throws Exception {
        tool("gcc", "echo gcc");
        assertEquals(null, Toolchain.locateMake(null, bin.toString()));
        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> Toolchain.check(bin.toString(), (Path) null));
        assertTrue(e.getMessage().contains("needs make, flex"), e.getMessage());
        assertTrue(e.getMessage().contains("-Dunikernel.make="), e.getMessage());
    }
}
