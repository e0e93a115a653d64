package io.github.unikernelfaas.image;

import io.github.unikernelfaas.host.Trees;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/** Builds the OCI image tar with jib-core, then makes it kraftkit-compatible. */
public final class ImageBuilder {
    private ImageBuilder() {
    }

    /**
     * @param out     the OCI image layout tar to write
     * @param workDir scratch space (jib's caches, the unpacked layout)
     * @return the manifest digest ("sha256:...")
     */
    public static String build(ImageSpec spec, Path out, Path workDir) {
        if (!Files.isRegularFile(spec.kernel())) {
            throw new ImageException("No kernel to package at " + spec.kernel() + ": set unikernel.kernel");
        }
        if (spec.initrd() == null ? !Files.isDirectory(spec.fs0()) : !Files.isRegularFile(spec.initrd())) {
            throw new ImageException("No fs0 at " + (spec.initrd() == null ? spec.fs0() : spec.initrd())
                    + ": run the build goal first (mvn compile)");
        }
        try {
            Path layout = workDir.resolve("layout");
            Trees.delete(layout);
            Files.createDirectories(layout);
            Path jibTar = workDir.resolve("jib-image.tar");
            Path uruncJson = null;
            if (spec.initrd() != null) {
                uruncJson = workDir.resolve("urunc.json");
                Files.write(uruncJson, spec.urunc().json());
            }
            Jib.fromScratch()
                    .setFormat(ImageFormat.OCI)
                    .setCreationTime(Instant.EPOCH)
                    .setPlatforms(Set.of(new Platform(ImageSpec.ARCHITECTURE, ImageSpec.OS)))
                    .setFileEntriesLayers(Layers.of(spec, uruncJson))
                    .setProgramArguments(spec.kernelArgs() == null ? null : List.of(spec.kernelArgs()))
                    .containerize(Containerizer.to(TarImage.at(jibTar).named(spec.reference()))
                            .setApplicationLayersCache(workDir.resolve("jib-cache"))
                            .setBaseImageLayersCache(workDir.resolve("jib-cache"))
                            .setOfflineMode(true)
                            // jib appends its own version: say whose it is.
                            .setToolName("unikernel-faas with jib-core"));
            OciArchive.extract(jibTar, layout);
            Files.delete(jibTar);
            String digest = KraftkitLayout.rewrite(layout, spec);
            OciArchive.write(layout, out);
            Trees.delete(layout);
            return digest;
        } catch (InvalidImageReferenceException e) {
            throw new ImageException("'" + spec.reference() + "' is not a valid image reference (unikernel.image): use"
                    + " [registry/]name[:tag] in lower case", e);
        } catch (IOException | RegistryException | ExecutionException
                | com.google.cloud.tools.jib.api.CacheDirectoryCreationException e) {
            throw new ImageException("Building the image failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException("Interrupted while building the image", e);
        }
    }

    public static void writeDigest(String digest, Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, digest + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new ImageException("Could not write " + file + ": " + e.getMessage(), e);
        }
    }
}
