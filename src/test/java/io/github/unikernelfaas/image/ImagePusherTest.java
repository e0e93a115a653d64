package io.github.unikernelfaas.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Credential;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pushes to a real registry on 127.0.0.1 and reads the image back with skopeo. */
class ImagePusherTest {
    @TempDir
    Path dir;

    private final List<String> log = new ArrayList<>();

    private Path image(String reference) throws Exception {
        Path kernel = Files.write(dir.resolve("kernel"), new byte[4096]);
        Path fs0 = dir.resolve("fs0");
        Files.createDirectories(fs0.resolve("lib/python3.7/app"));
        Files.createDirectories(fs0.resolve("lib/python3.7/site-packages"));
        Files.createDirectories(fs0.resolve("dev"));
        Files.createDirectories(fs0.resolve("tmp"));
        Files.writeString(fs0.resolve("lib/python3.7/app/function.py"), "def handler(e):\n    return e\n");
        Path tar = dir.resolve("image.oci.tar");
        ImageBuilder.build(ImageSpec.of(kernel, fs0, "lib/python3.7", reference, "0.13.1~85b83a74"), tar,
                dir.resolve("work"));
        return tar;
    }

    private String remoteDigest(String reference, String... creds) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ImageBuilderTest.tool("skopeo").toString(), "inspect",
                "--tls-verify=false", "--raw"));
        if (creds.length == 2) {
            cmd.add("--creds");
            cmd.add(creds[0] + ":" + creds[1]);
        }
        cmd.add("docker://" + reference);
        String raw = ImageBuilderTest.run(cmd);
        assertEquals("0.13.1~85b83a74", new ObjectMapper().readTree(raw).get("annotations")
                .get("org.unikraft.kernel.version").asText(), "the annotations survive the push");
        return KraftkitLayout.digestOf(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void pushesToAnOpenRegistryWithTheSameDigest() throws Exception {
        try (LocalRegistry registry = new LocalRegistry(dir.resolve("reg"), null, null)) {
            String ref = registry.host() + "/team/my-fn:1.0";
            Path tar = image(ref);
            String digest = ImagePusher.push(tar, new ImagePusher.Target(ref, Optional.empty(), "Docker config", true),
                    log::add);
            assertEquals(digest, remoteDigest(ref));
            assertEquals(digest, ImagePusher.push(tar, new ImagePusher.Target(ref, Optional.empty(), "x", true),
                    log::add), "pushing again is harmless");
        }
    }

    @Test
    void anInitrdImageKeepsItsLayerAnnotationsAndDigestThroughThePush() throws Exception {
        try (LocalRegistry registry = new LocalRegistry(dir.resolve("reg"), null, null)) {
            String ref = registry.host() + "/team/my-fn:initrd";
            Path kernel = Files.write(dir.resolve("kernel"), new byte[4096]);
            Path cpio = Files.write(dir.resolve("fs0.cpio"), new byte[512]);
            Path tar = dir.resolve("initrd.oci.tar");
            ImageBuilder.build(ImageSpec.of(kernel, dir, "lib/python3.7", ref, "0.13.1~85b83a74")
                    .withInitrd(cpio, "vfs.rootfs=initrd"),
                    tar, dir.resolve("work"));
            String digest = ImagePusher.push(tar, new ImagePusher.Target(ref, Optional.empty(), "x", true), log::add);
            assertEquals(digest, remoteDigest(ref));
        }
    }

    @Test
    void aPlainHttpRegistryWithoutTheFlagFailsAtOnceWithTheHint() throws Exception {
        try (LocalRegistry registry = new LocalRegistry(dir.resolve("reg"), null, null)) {
            String ref = registry.host() + "/team/my-fn:1.0";
            Path tar = image(ref);
            ImageException e = assertThrows(ImageException.class, () -> ImagePusher.push(tar,
                    new ImagePusher.Target(ref, Optional.empty(), "x", false), log::add));
            assertTrue(e.getMessage().contains("-Dunikernel.allowInsecureRegistries=true"), e.getMessage());
        }
    }

    @Test
    void loopbackRegistriesAreRecognised() {
        assertTrue(ImagePusher.isLoopback("127.0.0.1:5000"));
        assertTrue(ImagePusher.isLoopback("localhost:5000"));
        assertTrue(ImagePusher.isLoopback("[::1]:5000"));
        assertFalse(ImagePusher.isLoopback("registry.example.com:5000"));
        assertFalse(ImagePusher.isLoopback("10.0.0.1"));
    }

    @Test
    void pushesWithCredentialsAndNamesTheServerIdWhenTheyAreWrong() throws Exception {
        try (LocalRegistry registry = new LocalRegistry(dir.resolve("reg"), "ada", "s3cret-pw")) {
            String ref = registry.host() + "/team/my-fn:1.0";
            Path tar = image(ref);
            String source = "the settings.xml <server> with id '" + registry.host() + "'";
            String digest = ImagePusher.push(tar, new ImagePusher.Target(ref,
                    Optional.of(Credential.from("ada", "s3cret-pw")), source, true), log::add);
            assertEquals(digest, remoteDigest(ref, "ada", "s3cret-pw"));

            ImageException e = assertThrows(ImageException.class, () -> ImagePusher.push(tar,
                    new ImagePusher.Target(ref, Optional.of(Credential.from("ada", "wrong")), source, true), log::add));
            assertTrue(e.getMessage().contains("Authentication to " + registry.host() + " failed"), e.getMessage());
            assertTrue(e.getMessage().contains("id '" + registry.host() + "'"), e.getMessage());
            assertFalse(e.getMessage().contains("wrong"), "never print a credential: " + e.getMessage());
            assertFalse(String.join("\n", log).contains("s3cret-pw"));
        }
    }
}
