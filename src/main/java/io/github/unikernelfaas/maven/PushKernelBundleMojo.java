package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.image.KernelBundleRegistry;
import java.io.File;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Pushes the kernel bundle zip that unikernel:kernel-bundle wrote to {@code unikernel.kernelBundleImage} as an OCI
 * artifact, for developers to name as {@code oci:<that reference>@sha256:<digest>}; does nothing without it.
 * Credentials as for unikernel:push.
 */
@Mojo(name = "push-kernel-bundle", defaultPhase = LifecyclePhase.DEPLOY, threadSafe = true)
public class PushKernelBundleMojo extends PushMojo {
    /** Where to push the kernel bundle, e.g. registry.example/team/python-runtime:1.0; blank: no push. */
    @Parameter(property = "unikernel.kernelBundleImage")
    private String kernelBundleImage;

    @Parameter(defaultValue = "${project.build.directory}/${project.build.finalName}.zip", readonly = true)
    private File bundleZip;

    @Override
    protected void run() throws MojoFailureException {
        if (kernelBundleImage == null || kernelBundleImage.isBlank()) {
            getLog().info("No unikernel.kernelBundleImage: the kernel bundle is not pushed to a registry");
            return;
        }
        if (!bundleZip.isFile()) {
            throw new MojoFailureException("No kernel bundle at " + bundleZip + ": run unikernel:kernel-bundle first"
                    + " (mvn package)");
        }
        if (pushAllowed(kernelBundleImage)) {
            String digest = KernelBundleRegistry.push(bundleZip.toPath(), target(kernelBundleImage), getLog()::info);
            getLog().info("Developers name it: -Dunikernel.kernel=oci:" + kernelBundleImage + "@" + digest);
        }
    }
}
