package io.github.unikernelfaas.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.kernel.KernelBundleZip;
import io.github.unikernelfaas.vm.KernelBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A kernel bundle pushed to Debian's docker-registry on loopback and pulled back by digest, then offline. */
class KernelBundleRegistryTest {
    @TempDir
    Path dir;

    @Test
    void pushedBundleIsPulledByDigestAndFoundAgainOffline() throws Exception {
        Path kernel = Files.write(dir.resolve("kernel"), new byte[] {0x7f, 'E', 'L', 'F', 9, 9});
        Path zip = dir.resolve("bundle.zip");
        KernelBundleZip.write(zip, Map.of("kernel", kernel), Map.of("kernel", "kernel", "flavour", "f",
                "guestContract", KernelBundle.GUEST_CONTRACT));
        Path cache = dir.resolve("cache");
        List<String> log = new ArrayList<>();
        String digest;
        KernelBundleRegistry.Reference byDigest;
        try (LocalRegistry registry = new LocalRegistry(dir.resolve("reg"), null, null)) {
            String ref = registry.host() + "/team/runtime:1";
            digest = KernelBundleRegistry.push(zip, new ImagePusher.Target(ref, Optional.empty(), "none", true),
                    log::add);
            assertTrue(digest.matches("sha256:[0-9a-f]{64}"), digest);
            byDigest = KernelBundleRegistry.Reference.parse("oci:" + ref + "@" + digest).orElseThrow();
            Path bundle = KernelBundleRegistry.pull(byDigest, true, false, cache, log::add);
            assertArrayEquals(Files.readAllBytes(kernel), Files.readAllBytes(KernelBundle.read(bundle).kernel()));
            assertEquals("f", KernelBundle.read(bundle).provenance().flavour().orElseThrow());

            // A digest the registry does not hold is refused, not replaced by the tag's.
            KernelBundleRegistry.Reference wrong = KernelBundleRegistry.Reference
                    .parse("oci:" + ref + "@sha256:" + "0".repeat(64)).orElseThrow();
            ImageException e = assertThrows(ImageException.class,
                    () -> KernelBundleRegistry.pull(wrong, true, false, dir.resolve("other-cache"), log::add));
            assertTrue(e.getMessage().contains("Pulling the kernel bundle"), e.getMessage());
        }
        // The registry is gone: the pinned bundle comes from the cache, online or offline.
        assertEquals(KernelBundleRegistry.pull(byDigest, true, false, cache, log::add),
                KernelBundleRegistry.pull(byDigest, true, true, cache, log::add));
        KernelBundleRegistry.Reference unknown = KernelBundleRegistry.Reference.parse("oci:127.0.0.1:1/x/y:2").orElseThrow();
        ImageException offline = assertThrows(ImageException.class,
                () -> KernelBundleRegistry.pull(unknown, true, true, cache, log::add));
        assertTrue(offline.getMessage().contains("Offline (-o)"), offline.getMessage());
    }

    @Test
    void malformedReferenceNamesTheForm() {
        ImageException e = assertThrows(ImageException.class,
                () -> KernelBundleRegistry.Reference.parse("oci:UPPER/Case"));
        assertTrue(e.getMessage().contains("oci:registry/repository:tag"), e.getMessage());
        assertTrue(KernelBundleRegistry.Reference.parse("/a/path").isEmpty());
    }
}
