package io.github.unikernelfaas.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.flavour.Flavours;
import io.github.unikernelfaas.flavour.TestFlavours;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelConfigTest {
    private static final String DEFAULTS = Flavours.kernelConfig(TestFlavours.DEFAULT);
    @TempDir
    Path dir;

    @Test
    void defaultsHoldTheGuestContractAndTheStackFix() {
        var s = KernelConfig.withExtras(DEFAULTS, List.of()).symbols();
        assertEquals("10", s.get("CONFIG_STACK_SIZE_PAGE_ORDER"));
        assertEquals("y", s.get("CONFIG_LIBVFSCORE_ROOTFS_INITRD"), "initrd support is compiled only as the default");
        assertEquals("y", s.get("CONFIG_LIB9PFS"), "9p beside it, chosen at boot");
        assertEquals("y", s.get("CONFIG_LIBUKCPIO"));
        assertEquals("y", s.get("CONFIG_LIBPYTHON3_MAIN_FUNCTION"));
        assertEquals("y", s.get("CONFIG_VIRTIO_9P"));
    }

    @Test
    void userLinesOverrideAndDisable() {
        KernelConfig c = KernelConfig.withExtras(DEFAULTS, List.of("CONFIG_STACK_SIZE_PAGE_ORDER=11",
                "# CONFIG_LWIP_DHCP is not set"));
        assertEquals("11", c.symbols().get("CONFIG_STACK_SIZE_PAGE_ORDER"));
        assertTrue(c.render().contains("# CONFIG_LWIP_DHCP is not set\n"));
    }

    @Test
    void garbageLinesAreRejected() {
        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> KernelConfig.withExtras(DEFAULTS, List.of("LIBPYTHON3=y")));
        assertTrue(e.getMessage().contains("Not a kconfig line"), e.getMessage());
    }

    @Test
    void verifyComparesValuesAndTreatsAbsentAsNotSet() throws Exception {
        KernelConfig c = KernelConfig.withExtras(DEFAULTS, List.of("# CONFIG_LWIP_DHCP is not set"));
        StringBuilder ok = new StringBuilder(c.render().replace("# CONFIG_LWIP_DHCP is not set\n", ""));
        Path dotConfig = Files.writeString(dir.resolve(".config"), ok + "CONFIG_EXTRA_DEFAULT=y\n");
        c.verify(dotConfig);
        Files.writeString(dotConfig, ok.toString().replace("CONFIG_STACK_SIZE_PAGE_ORDER=10",
                "CONFIG_STACK_SIZE_PAGE_ORDER=4"));
        assertEquals(List.of("CONFIG_STACK_SIZE_PAGE_ORDER=10 (became 4)"), c.dropped(dotConfig));
    }

    @Test
    void makeVersionIsChecked() {
        Toolchain.checkMakeVersion("GNU Make 4.3");
        Toolchain.checkMakeVersion("GNU Make 4.1");
        assertThrows(KernelBuildException.class, () -> Toolchain.checkMakeVersion("GNU Make 3.82"));
        assertThrows(KernelBuildException.class, () -> Toolchain.checkMakeVersion("bsdmake"));
    }

    @Test
    void missingToolsAreNamedWithTheirPackages() {
        KernelBuildException e = assertThrows(KernelBuildException.class, () -> Toolchain.check(dir.toString()));
        assertTrue(e.getMessage().contains("sudo apt-get install gcc make flex bison unzip patch python3"),
                e.getMessage());
    }
}
