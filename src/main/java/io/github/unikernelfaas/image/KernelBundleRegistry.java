package io.github.unikernelfaas.image;

import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.blob.BlobDescriptor;
import com.google.cloud.tools.jib.blob.Blobs;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.image.json.OciManifestTemplate;
import com.google.cloud.tools.jib.json.JsonTemplateMapper;
import com.google.cloud.tools.jib.registry.ManifestAndDigest;
import com.google.cloud.tools.jib.registry.RegistryClient;
import io.github.unikernelfaas.host.Digests;
import io.github.unikernelfaas.kernel.KernelBundleZip;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kernel bundle zip as an OCI artifact: a manifest whose one layer is the zip (media type {@value #LAYER_TYPE})
 * beside a minimal image config, pushed and pulled with jib-core's registry client and its credential chain. A pull
 * verifies the manifest against a pinned digest and the layer against the manifest, then unpacks through
 * {@link KernelBundleZip}; the reference's resolution is remembered, so offline a cached bundle is found again.
 */
public final class KernelBundleRegistry {
    public static final String LAYER_TYPE = "application/vnd.unikernelfaas.kernel-bundle.v1+zip";
    static final String ANNOTATION = "io.github.unikernelfaas.kernel-bundle";
    private static final Pattern SPEC = Pattern.compile("oci:([^@\\s]+?)(?:@(sha256:[0-9a-f]{64}))?");
    /** linux/amd64 with no file system layers: what a tool reading the config needs, nothing a runtime would run. */
    private static final byte[] CONFIG = ("{\"architecture\":\"amd64\",\"os\":\"linux\","
            + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}").getBytes(StandardCharsets.UTF_8);

    /** {@code oci:registry/repository[:tag][@sha256:<digest>]}: a bundle in a registry. */
    public record Reference(ImageReference image, Optional<String> digest, String spec) {
        /** The reference of {@code spec} when it starts with {@code oci:}; a malformed one fails naming the form. */
        public static Optional<Reference> parse(String spec) {
            if (!spec.startsWith("oci:")) {
                return Optional.empty();
            }
            Matcher m = SPEC.matcher(spec);
            try {
                if (m.matches()) {
                    return Optional.of(new Reference(ImageReference.parse(m.group(1)), Optional.ofNullable(m.group(2)),
                            spec));
                }
            } catch (InvalidImageReferenceException e) {
                // below
            }
            throw new ImageException("unikernel.kernel=" + spec + " is no kernel image reference: write"
                    + " oci:registry/repository:tag, optionally pinned with @sha256:<64 hex digits>")
                    .setting("unikernel.kernel");
        }

        /** What the registry is asked for: the pinned digest, else the tag. */
        String manifestRef() {
            return digest.orElse(image.getTag().orElse("latest"));
        }
    }

    private KernelBundleRegistry() {
    }

    /** Pushes {@code zip} as {@code target.reference()}; returns the manifest's digest. */
    public static String push(Path zip, ImagePusher.Target target, Consumer<String> log) {
        ImageReference ref;
        try {
            ref = ImageReference.parse(target.reference());
        } catch (InvalidImageReferenceException e) {
            throw new ImageException("'" + target.reference() + "' is not an image reference: use registry/name:tag in"
                    + " lower case", e).setting("unikernel.kernelBundleImage");
        }
        try {
            RegistryClient client = ImagePusher.client(ref, target, log, true);
            String zipSha = Digests.sha256(zip);
            DescriptorDigest layer = DescriptorDigest.fromHash(zipSha);
            DescriptorDigest config = DescriptorDigest.fromHash(Digests.sha256(CONFIG));
            if (client.checkBlob(layer).isEmpty()) {
                client.pushBlob(layer, Blobs.from(zip), null, n -> { });
            }
            if (client.checkBlob(config).isEmpty()) {
                client.pushBlob(config, Blobs.from(new String(CONFIG, StandardCharsets.UTF_8)), null, n -> { });
            }
            String manifestJson = "{\"schemaVersion\":2,\"mediaType\":\"" + OciManifestTemplate.MANIFEST_MEDIA_TYPE
                    + "\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":"
                    + CONFIG.length + ",\"digest\":\"" + config + "\"},\"layers\":[{\"mediaType\":\"" + LAYER_TYPE
                    + "\",\"size\":" + Files.size(zip) + ",\"digest\":\"" + layer + "\"}],\"annotations\":{\""
                    + ANNOTATION + "\":\"" + io.github.unikernelfaas.vm.KernelBundle.GUEST_CONTRACT + "\"}}";
            AnnotatedOciManifest manifest = JsonTemplateMapper.readJson(manifestJson, AnnotatedOciManifest.class);
            DescriptorDigest pushed = client.pushManifest(manifest, ref.getTag().orElse("latest"));
            log.accept("Pushed the kernel bundle to " + ref + " (" + pushed + ")");
            return pushed.toString();
        } catch (RegistryException | IOException | java.security.DigestException e) {
            throw new ImageException("Pushing the kernel bundle to " + ref + " failed: " + e.getMessage(), e)
                    .setting("unikernel.kernelBundleImage");
        }
    }

    /**
     * The bundle directory of {@code ref} under {@code cacheRoot}: pulled, verified and unpacked when needed. A
     * digest-pinned reference already cached, or offline a tag resolved before, needs no registry.
     */
    public static Path pull(Reference ref, boolean allowInsecure, boolean offline, Path cacheRoot,
            Consumer<String> log) throws InterruptedException {
        Path resolved = cacheRoot.resolve("oci").resolve(Digests.sha256(ref.image() + "@" + ref.manifestRef()));
        try {
            if (Files.isRegularFile(resolved)) {
                String layerSha = Files.readString(resolved).trim();
                Path dir = cacheRoot.resolve(layerSha);
                if ((offline || ref.digest().isPresent()) && Files.isDirectory(dir)) {
                    return dir;
                }
            }
        } catch (IOException e) {
            throw new ImageException("Could not read " + resolved + ": " + e.getMessage(), e);
        }
        if (offline) {
            throw new ImageException("Offline (-o), and the kernel bundle " + ref.spec() + " is not in the cache ("
                    + cacheRoot + "): run once online").setting("unikernel.kernel");
        }
        ImagePusher.Target target = new ImagePusher.Target(ref.image().toString(), Optional.empty(),
                "Docker's config", allowInsecure);
        Path zip = null;
        try {
            RegistryClient client = ImagePusher.client(ref.image(), target, log, false);
            ManifestAndDigest<ManifestTemplate> pulled = client.pullManifest(ref.manifestRef());
            if (ref.digest().isPresent() && !pulled.getDigest().toString().equals(ref.digest().get())) {
                throw new ImageException("The registry answered " + ref.spec() + " with the manifest "
                        + pulled.getDigest() + ": not the pinned one").setting("unikernel.kernel");
            }
            if (!(pulled.getManifest() instanceof OciManifestTemplate manifest) || manifest.getLayers().size() != 1) {
                throw new ImageException(ref.spec() + " is no kernel bundle: its manifest is not an OCI manifest with"
                        + " one layer (push one with unikernel:kernel-bundle and unikernel.kernelBundleImage)")
                        .setting("unikernel.kernel");
            }
            DescriptorDigest layer = manifest.getLayers().get(0).getDigest();
            Files.createDirectories(cacheRoot);
            zip = Files.createTempFile(cacheRoot, "pull-", ".zip");
            BlobDescriptor got;
            try (OutputStream out = Files.newOutputStream(zip)) {
                got = client.pullBlob(layer, n -> { }, n -> { }).writeTo(out);
            }
            if (!got.getDigest().equals(layer)) {
                throw new ImageException("The registry's layer of " + ref.spec() + " has the digest " + got.getDigest()
                        + ", not the manifest's " + layer).setting("unikernel.kernel");
            }
            log.accept("Pulled the kernel bundle " + ref.spec() + " (manifest " + pulled.getDigest() + ")");
            Path dir = KernelBundleZip.unpack(zip, layer.getHash(), cacheRoot, log);
            Files.createDirectories(resolved.getParent());
            Path tmp = resolved.resolveSibling(resolved.getFileName() + ".tmp");
            Files.writeString(tmp, layer.getHash() + "\n");
            Files.move(tmp, resolved, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return dir;
        } catch (RegistryException | IOException e) {
            throw new ImageException("Pulling the kernel bundle " + ref.spec() + " failed: " + e.getMessage(), e)
                    .setting("unikernel.kernel");
        } finally {
            if (zip != null) {
                try {
                    Files.deleteIfExists(zip);
                } catch (IOException ignored) {
                    // a temp file in the cache; the next pull writes another
                }
            }
        }
    }
}
