package io.github.unikernelfaas.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.json.JsonTemplateMapper;
import io.github.unikernelfaas.host.Digests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns jib's OCI layout into a kraftkit-compatible one. The smallest step that closes jib's
 * gap (issue #4402, no manifest annotations; no os.version): the layer blobs stay as jib wrote
 * them; the config gains os.version, the manifest its annotations, and the index points at the
 * new manifest, with every digest and size recomputed.
 */
final class KraftkitLayout {
    static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private KraftkitLayout() {
    }

    /** Rewrites the layout in {@code dir}; returns the new manifest digest. */
    static String rewrite(Path dir, ImageSpec spec) throws IOException {
        ObjectNode index = (ObjectNode) JSON.readTree(dir.resolve("index.json").toFile());
        String oldManifestDigest = index.withArray("manifests").get(0).get("digest").asText();
        Path oldManifest = blob(dir, oldManifestDigest);
        AnnotatedOciManifest manifest = JsonTemplateMapper.readJson(Files.readAllBytes(oldManifest),
                AnnotatedOciManifest.class);
        Path oldConfig = blob(dir, manifest.getContainerConfiguration().getDigest().toString());

        ObjectNode config = (ObjectNode) JSON.readTree(oldConfig.toFile());
        config.put("architecture", ImageSpec.ARCHITECTURE);
        config.put("os", ImageSpec.OS);
        config.put("os.version", spec.unikraftVersion());
        byte[] configBytes = JSON.writeValueAsBytes(config);
        String configDigest = store(dir, configBytes);
        try {
            manifest.setContainerConfiguration(configBytes.length, DescriptorDigest.fromDigest(configDigest));
        } catch (java.security.DigestException e) {
            throw new IOException(e);
        }
        manifest.setAnnotations(annotations(spec));
        if (spec.initrd() != null) {
            manifest = withInitrdLayerAnnotations(manifest);
        }

        byte[] manifestBytes = JsonTemplateMapper.toByteArray(manifest);
        String manifestDigest = store(dir, manifestBytes);
        if (!configDigest.equals(digestOf(Files.readAllBytes(oldConfig)))) {
            Files.delete(oldConfig);
        }
        if (!manifestDigest.equals(oldManifestDigest)) {
            Files.delete(oldManifest);
        }

        ObjectNode descriptor = JSON.createObjectNode();
        descriptor.put("mediaType", MANIFEST_TYPE);
        descriptor.put("digest", manifestDigest);
        descriptor.put("size", manifestBytes.length);
        ObjectNode descriptorAnnotations = descriptor.putObject("annotations");
        // Newer kraftkit skips index entries without sh.kraftkit.version; ref.name is the OCI tag.
        descriptorAnnotations.put("org.opencontainers.image.ref.name", spec.tag());
        descriptorAnnotations.put("org.unikraft.image.name", spec.name());
        descriptorAnnotations.put("sh.kraftkit.version", ImageSpec.KRAFTKIT_VERSION);
        ObjectNode platform = descriptor.putObject("platform");
        platform.put("architecture", ImageSpec.ARCHITECTURE);
        platform.put("os", ImageSpec.OS);
        ObjectNode newIndex = JSON.createObjectNode();
        newIndex.put("schemaVersion", 2);
        newIndex.put("mediaType", "application/vnd.oci.image.index.v1+json");
        ArrayNode manifests = newIndex.putArray("manifests");
        manifests.add(descriptor);
        Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(newIndex));
        return manifestDigest;
    }

    /**
     * kraftkit marks the kernel and initrd layers with the path each holds. jib's layer descriptors have
     * an annotations field but no public setter, so the annotations go in through jib's own JSON mapper:
     * what we store is still what jib's RegistryClient pushes.
     */
    private static AnnotatedOciManifest withInitrdLayerAnnotations(AnnotatedOciManifest manifest) throws IOException {
        ObjectNode json = (ObjectNode) JSON.readTree(JsonTemplateMapper.toByteArray(manifest));
        ArrayNode layers = json.withArray("layers");
        ((ObjectNode) layers.get(0)).putObject("annotations").put(KERNEL_LAYER_ANNOTATION, Layers.KERNEL_PATH);
        ((ObjectNode) layers.get(1)).putObject("annotations").put(INITRD_LAYER_ANNOTATION, Layers.INITRD_PATH);
        return JsonTemplateMapper.readJson(JSON.writeValueAsBytes(json), AnnotatedOciManifest.class);
    }

    static final String KERNEL_LAYER_ANNOTATION = "org.unikraft.kernel.image";
    static final String INITRD_LAYER_ANNOTATION = "org.unikraft.kernel.initrd";

    static Map<String, String> annotations(ImageSpec spec) {
        Map<String, String> a = new TreeMap<>();
        a.put("org.unikraft.kernel.version", spec.unikraftVersion());
        a.put("org.unikraft.image.name", spec.name());
        a.put("org.unikraft.image.version", spec.tag());
        a.put("sh.kraftkit.version", ImageSpec.KRAFTKIT_VERSION);
        a.put("org.opencontainers.image.ref.name", spec.reference());
        if (!spec.kernelPatches().isEmpty()) {
            a.put(ImageSpec.PATCHES_ANNOTATION, String.join(",", spec.kernelPatches()));
        }
        if (spec.initrd() != null) {
            // The same base64 values as /urunc.json: urunc decodes annotations too.
            a.putAll(spec.urunc().encoded());
        }
        return a;
    }

    static Path blob(Path dir, String digest) {
        return dir.resolve("blobs").resolve("sha256").resolve(digest.substring("sha256:".length()));
    }

    private static String store(Path dir, byte[] bytes) throws IOException {
        String digest = digestOf(bytes);
        Files.write(blob(dir, digest), bytes);
        return digest;
    }

    static String digestOf(byte[] bytes) {
        return "sha256:" + Digests.sha256(bytes);
    }
}
