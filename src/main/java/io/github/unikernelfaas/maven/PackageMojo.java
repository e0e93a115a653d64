package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.image.ImageBuilder;
import io.github.unikernelfaas.image.ImageSpec;
import io.github.unikernelfaas.image.UruncConfig;
import io.github.unikernelfaas.vm.RootKind;
import io.github.unikernelfaas.vm.Guest;
import java.nio.file.Path;
import java.util.List;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Packages the kernel and fs0 as a kraftkit-compatible OCI image layout tar, the project's artifact
 * ({@code mvn install} puts it in the local repository).
 */
@Mojo(name = "package", defaultPhase = LifecyclePhase.PACKAGE, threadSafe = true)
public class PackageMojo extends AbstractImageMojo {
    @Override
    protected void run() {
        ImageSpec.lowerCasedNote(image).ifPresent(getLog()::info);
        ImageSpec spec = ImageSpec.of(kernel(), fs0.toPath(), flavour().pythonLib(), image, unikraftVersion())
                .withKernelPatches(kernelPatches());
        if (rootKind() == RootKind.INITRD) {
            String args = Guest.resolve(kernelArgs(RootKind.INITRD), guestPort);
            spec = spec.withInitrd(fs0Initrd(), args);
            List<String> dropped = UruncConfig.droppedParams(args);
            if (!dropped.isEmpty()) {
                getLog().warn("urunc passes its own network and rootfs parameters and not these kernel arguments"
                        + " before '--': " + String.join(" ", dropped) + " (kraftkit and unikernel:run still do)");
            }
        } else {
            getLog().warn("The 9p root image carries no urunc keys: urunc runs Unikraft only with an initrd"
                    + " (unikernel.rootfs=initrd, the default); kraftkit and ukfaas can still run it");
        }
        long t0 = System.nanoTime();
        String digest = ImageBuilder.build(spec, imageTar.toPath(), workDir().resolve("image"));
        Path digestFile = workDir().resolve("image.digest");
        ImageBuilder.writeDigest(digest, digestFile);
        project.getArtifact().setFile(imageTar);
        getLog().info(String.format("Image %s %s -> %s (%.1f MiB, %.1f s)", spec.reference(), digest, imageTar,
                imageTar.length() / 1048576.0, (System.nanoTime() - t0) / 1e9));
    }
}
