package io.github.unikernelfaas.flavour;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.vm.MemoryFloor;
import io.github.unikernelfaas.vm.RootKind;
import io.github.unikernelfaas.vm.VirtioMode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlavoursTest {
    private static final String NET = "netdev.ipv4_addr=10.0.2.15 netdev.ipv4_gw_addr=10.0.2.2"
            + " netdev.ipv4_subnet_mask=255.255.255.0 -- -S -c \"import sys, app.wrapper as w; sys.exit(w.main())\""
            + " --port {guestPort}";

    @Test
    void theShippedFlavourHoldsTheFactsOfUnikraft0131WithPython37() {
        Flavour f = Flavours.load(Flavour.DEFAULT);
        assertEquals("unikraft-0.13.1-python3.7", f.name());
        assertEquals("0.13.1~85b83a74", f.unikraftVersion());
        assertEquals("3.7", f.pythonVersion());
        assertEquals("lib/python3.7", f.pythonLib());
        assertEquals("3.7.4", f.pipPythonVersion(), "the guest CPython's full version: markers test python_full_version");
        assertEquals(List.of(3, 7), f.grammarVersion());
        assertEquals("3.7", f.grammar());
        assertEquals("vfs.rootfs=9pfs vfs.rootdev=fs0 " + NET, f.kernelArgs(RootKind.NINE_P));
        assertEquals("vfs.rootfs=initrd " + NET, f.kernelArgs(RootKind.INITRD));
        assertEquals(VirtioMode.LEGACY, f.virtio());
        assertEquals(List.of(RootKind.NINE_P, RootKind.INITRD), f.roots());
        assertEquals(List.of("lib-python3", "python3"), f.stdlibSources());
        assertEquals("libpython3", f.pythonMakeLib());
        assertEquals(List.of("Makefile.uk", "Config.uk", "tmp.c"), f.appFiles());
        assertFalse(f.tls(), "no _ssl nor _hashlib in this runtime: the build warns");
        assertTrue(Flavours.appFiles(f).get("tmp.c").contains("\"ramfs\""), "the app mounts a RAM file system on /tmp");
    }

    @Test
    void theIndexFilesOfTheClasspathNameEveryFlavour() {
        List<String> known = Flavours.known();
        assertTrue(known.contains(Flavour.DEFAULT), known.toString());
        assertTrue(known.contains("test-flavour"), "the test classpath's index.txt adds its flavour: " + known);
    }

    @Test
    void anUnknownFlavourNamesTheKnownOnes() {
        FlavourException e = assertThrows(FlavourException.class, () -> Flavours.load("unikraft-0.99-python9"));
        assertTrue(e.getMessage().startsWith("Unknown unikernel.flavour 'unikraft-0.99-python9'; known flavours: "),
                e.getMessage());
        assertTrue(e.getMessage().contains(Flavour.DEFAULT), e.getMessage());
        FlavourException up = assertThrows(FlavourException.class, () -> Flavours.load("../flavours/test-flavour"));
        assertTrue(up.getMessage().startsWith("Unknown unikernel.flavour '../flavours/test-flavour'"),
                "a name is a directory name, never a path: " + up.getMessage());
    }

    @Test
    void anUnknownFieldIsNamedWithTheKnownOnes() {
        FlavourException e = assertThrows(FlavourException.class, () -> Flavours.load("bad-unknown-field"));
        assertTrue(e.getMessage().startsWith("The flavour descriptor /io/github/unikernelfaas/flavours/"
                + "bad-unknown-field/flavour.json is invalid: unknown field 'pythonLibDir'; the fields are name,"),
                e.getMessage());
        assertTrue(e.getMessage().contains("pythonLib, pipPythonVersion"), e.getMessage());
    }

    @Test
    void theShippedFlavourSaysHowItsGuestDiffersFromLinuxInMarkers() {
        // As the guest's CPython reports them (platform.system(), sys.platform, ... on the built kernel).
        assertEquals(Map.of("sys_platform", "unknown", "platform_system", "Unikraft", "platform_release", "5-Atlas",
                "platform_version", "0.13.1~85b83a74"), Flavours.load(Flavour.DEFAULT).markers());
        assertEquals(Map.of(), TestFlavours.TEST.markers(), "optional");
    }

    @Test
    void aMarkerAFlavourCannotSetIsNamed() {
        FlavourException e = assertThrows(FlavourException.class, () -> Flavours.load("bad-marker"));
        assertTrue(e.getMessage().endsWith("(the Python versions come from pipPythonVersion), not 'python_version'"),
                e.getMessage());
    }

    @Test
    void aMissingFieldIsNamed() {
        FlavourException e = assertThrows(FlavourException.class, () -> Flavours.load("bad-missing-field"));
        assertTrue(e.getMessage().endsWith("is invalid: missing field pipPythonVersion"), e.getMessage());
    }

    @Test
    void anUnknownRootKindIsNamedWithTheKnownOnes() {
        FlavourException e = assertThrows(FlavourException.class, () -> Flavours.load("bad-unknown-root"));
        assertTrue(e.getMessage().endsWith("is invalid: roots names the unknown root kind 'virtiofs'; the root kinds"
                + " are 9p, initrd"), e.getMessage());
    }

    @Test
    void rootsAndKernelArgsMustAgree() {
        String noArgs = descriptor("\"roots\": [\"9p\", \"initrd\"]", "\"kernelArgs\": {\"initrd\": \"a\"}");
        assertTrue(parseFails(noArgs).endsWith("kernelArgs has no command line for the root 9p, which roots lists"),
                parseFails(noArgs));
        String extra = descriptor("\"roots\": [\"initrd\"]", "\"kernelArgs\": {\"initrd\": \"a\", \"9p\": \"b\"}");
        assertTrue(parseFails(extra).endsWith("kernelArgs has a command line for the root 9p, which roots does not"
                + " list"), parseFails(extra));
    }

    @Test
    void valuesAreChecked() {
        String base = descriptor("\"roots\": [\"initrd\"]", "\"kernelArgs\": {\"initrd\": \"a\"}");
        assertTrue(parseFails(base.replace("[3, 10]", "[3]")).contains("grammarVersion must be [major, minor]"));
        assertTrue(parseFails(base.replace("\"modern\"", "\"new\"")).contains(
                "virtio must be legacy, modern or transitional, not 'new'"));
        assertTrue(parseFails(base.replace("\"lib/python3.10\"", "\"../etc\"")).contains(
                "pythonLib must be a relative path inside fs0"));
        FlavourException e = assertThrows(FlavourException.class, () -> Flavours.parse(stream(base), "other-name"));
        assertTrue(e.getMessage().endsWith("its name is 'x' but its directory is other-name: make them equal"),
                e.getMessage());
        assertTrue(parseFails(base.replace("\"Config.uk\"]", "\"../x.c\"]")).contains("appFiles lists file names"));
        assertTrue(parseFails(base.replace(", \"Config.uk\"]", "]")).contains("must hold Makefile.uk and Config.uk"));
        assertEquals("a", Flavours.parse(stream(base), "x").kernelArgs(RootKind.INITRD), "the base is valid");
    }

    @Test
    void memoryFloorsAreOptionalAndChecked() {
        String base = descriptor("\"roots\": [\"initrd\"]", "\"kernelArgs\": {\"initrd\": \"a\"}");
        assertTrue(Flavours.parse(stream(base), "x").memoryFloor(RootKind.INITRD).isEmpty(), "no floor: not measured");
        String floors = base.replace("\"roots\":", "\"memoryFloorMb\": {\"initrd\": 88}, \"roots\":");
        assertEquals(88, Flavours.parse(stream(floors), "x").memoryFloor(RootKind.INITRD).getAsInt());
        assertTrue(parseFails(floors.replace("{\"initrd\": 88}", "{\"9p\": 64}")).endsWith(
                "memoryFloorMb has a floor for the root 9p, which roots does not list"));
        assertTrue(parseFails(floors.replace("88", "8")).contains("memoryFloorMb.initrd must be a number of MiB of at"
                + " least 16, not 8"));
    }

    @Test
    void theShippedFloorsApplyToUnikraftKernelsNotToLinuxOnes(@TempDir Path dir) throws Exception {
        Flavour f = Flavours.load(Flavour.DEFAULT);
        // Measured on the real kernel (issue "real functions", failure 6).
        Path unikraft = Files.write(dir.resolve("unikraft"), new byte[8192]);
        assertEquals(new MemoryFloor(88, "unikraft-0.13.1-python3.7 with the initrd root"),
                f.memoryFloor(unikraft, RootKind.INITRD));
        assertEquals(64, f.memoryFloor(unikraft, RootKind.NINE_P).mb());
        byte[] bz = new byte[8192];
        System.arraycopy("HdrS".getBytes(StandardCharsets.US_ASCII), 0, bz, 0x202, 4);
        Path linux = Files.write(dir.resolve("bzImage"), bz);
        assertEquals(MemoryFloor.UNKNOWN, f.memoryFloor(linux, RootKind.INITRD), "the CI test guest has no floor");
    }

    @Test
    void aRootTheFlavourCannotMountFailsNamingTheOnesItCan() {
        FlavourException e = assertThrows(FlavourException.class,
                () -> TestFlavours.TEST.kernelArgs(RootKind.NINE_P));
        assertEquals("The flavour test-flavour cannot mount the 9p root; it supports initrd. Set unikernel.rootfs to"
                + " one of those, or choose another unikernel.flavour.", e.getMessage());
    }

    private static String descriptor(String roots, String kernelArgs) {
        return "{\"name\": \"x\", \"unikraftVersion\": \"1\", \"pythonVersion\": \"3.10\", \"pythonLib\":"
                + " \"lib/python3.10\", \"pipPythonVersion\": \"3.10\", \"grammarVersion\": [3, 10], " + kernelArgs
                + ", \"virtio\": \"modern\", " + roots + ", \"stdlibSources\": [\"a\"], \"pythonMakeLib\": \"libpy\","
                + " \"appFiles\": [\"Makefile.uk\", \"Config.uk\"], \"tls\": true}";
    }

    private static String parseFails(String json) {
        return assertThrows(FlavourException.class, () -> Flavours.parse(stream(json), "x")).getMessage();
    }

    private static ByteArrayInputStream stream(String json) {
        return new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8));
    }
}
