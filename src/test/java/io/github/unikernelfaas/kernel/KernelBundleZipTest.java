package io.github.unikernelfaas.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.UnikernelException;
import io.github.unikernelfaas.host.Digests;
import io.github.unikernelfaas.vm.KernelBundle;
import io.github.unikernelfaas.vm.VmException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelBundleZipTest {
    @TempDir
    Path tmp;

    private Path bundle(String name, Map<String, String> properties) throws Exception {
        Path kernel = Files.write(tmp.resolve("k-" + name), new byte[] {0x7f, 'E', 'L', 'F', 1, 2, 3});
        Path initrd = Files.write(tmp.resolve("i-" + name), "initrd".getBytes());
        Path zip = tmp.resolve(name + ".zip");
        KernelBundleZip.write(zip, Map.of("kernel", kernel, "initrd", initrd), properties);
        return zip;
    }

    @Test
    void theSameBundleGivesTheSameBytes() throws Exception {
        Map<String, String> p = Map.of("kernel", "kernel", "initrd", "initrd", "flavour", "f", "guestContract", "1");
        Path a = bundle("a", p);
        Thread.sleep(1100); // a zip that recorded the time would now differ
        Path b = bundle("b", p);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    @Test
    void unpackedBundleReadsBackWithItsProvenance() throws Exception {
        Path zip = bundle("p", Map.of("kernel", "kernel", "initrd", "initrd", "flavour", "unikraft-x",
                "guestContract", KernelBundle.GUEST_CONTRACT, "cacheKey", "abc", "kernelArgs", "a b=c"));
        List<String> log = new ArrayList<>();
        Path dir = KernelBundleZip.unpack(zip, Digests.sha256(zip), tmp.resolve("cache"), log::add);
        KernelBundle b = KernelBundle.read(dir);
        assertEquals("unikraft-x", b.provenance().flavour().orElseThrow());
        assertEquals("abc", b.provenance().cacheKey().orElseThrow());
        assertEquals("a b=c", b.kernelArgs().orElseThrow());
        assertTrue(b.initrd().isPresent());
        assertEquals(1, log.size());
        // Second time: the cache entry, nothing unpacked.
        assertEquals(dir, KernelBundleZip.unpack(zip, null, tmp.resolve("cache"), log::add));
        assertEquals(1, log.size());
        b.checkFits("unikraft-x");
        VmException other = assertThrows(VmException.class, () -> b.checkFits("unikraft-y"));
        assertTrue(other.getMessage().contains("built for the flavour unikraft-x"), other.getMessage());
        assertEquals("unikernel.kernel", other.setting().orElseThrow());
    }

    @Test
    void anotherGuestContractIsRefused() throws Exception {
        Path zip = bundle("c", Map.of("kernel", "kernel", "guestContract", "999"));
        KernelBundle b = KernelBundle.read(KernelBundleZip.unpack(zip, null, tmp.resolve("cache"), m -> { }));
        VmException e = assertThrows(VmException.class, () -> b.checkFits("any"));
        assertTrue(e.getMessage().contains("guest contract 999"), e.getMessage());
    }

    @Test
    void aWrongDigestIsRefusedAndWritesNothing() throws Exception {
        Path zip = bundle("d", Map.of("kernel", "kernel"));
        Path cache = tmp.resolve("cache");
        UnikernelException e = assertThrows(UnikernelException.class,
                () -> KernelBundleZip.unpack(zip, "0".repeat(64), cache, m -> { }));
        assertTrue(e.getMessage().contains("not the expected"), e.getMessage());
        assertFalse(Files.exists(cache));
    }

    @Test
    void aZipWithPathsIsRefusedAndLeavesNoEntry() throws Exception {
        Path zip = tmp.resolve("evil.zip");
        try (OutputStream out = Files.newOutputStream(zip); ZipArchiveOutputStream z = new ZipArchiveOutputStream(out)) {
            for (String name : List.of("kernel-bundle.properties", "../../escape")) {
                z.putArchiveEntry(new ZipArchiveEntry(name));
                z.write("kernel=kernel\n".getBytes());
                z.closeArchiveEntry();
            }
        }
        Path cache = tmp.resolve("cache");
        UnikernelException e = assertThrows(UnikernelException.class,
                () -> KernelBundleZip.unpack(zip, null, cache, m -> { }));
        assertTrue(e.getMessage().contains("'../../escape'"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("escape")));
        assertFalse(Files.exists(cache.resolve(Digests.sha256(zip))));
    }
}
