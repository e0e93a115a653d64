package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.SettingRange;
import io.github.unikernelfaas.deploy.DeployException;
import io.github.unikernelfaas.deploy.DeploySpec;
import io.github.unikernelfaas.deploy.DeployWriter;
import io.github.unikernelfaas.image.ImageSpec;
import io.github.unikernelfaas.image.UruncConfig;
import io.github.unikernelfaas.vm.Guest;
import io.github.unikernelfaas.vm.RootKind;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Writes the deploy artefacts: a RuntimeClass for urunc, a Deployment and a Service (or a Knative Service),
 * and ukfaas's OpenFaaS stack.yml. The image is named by the digest the package goal wrote, which is the
 * digest the push goal pushes.
 */
@Mojo(name = "deploy-files", defaultPhase = LifecyclePhase.PACKAGE, threadSafe = true)
public class DeployFilesMojo extends AbstractImageMojo {
    @Parameter(property = "unikernel.deploy.skip", defaultValue = "false")
    private boolean skipDeployFiles;

    @Parameter(property = "unikernel.deploy.directory", defaultValue = "${project.build.directory}/unikernel/deploy")
    private File deployDirectory;

    /** The Kubernetes (and OpenFaaS function) name; default: the artifactId made a valid name. */
    @Parameter(property = "unikernel.deploy.name")
    private String deployName;

    @Parameter(property = "unikernel.replicas", defaultValue = "1")
    private int replicas;

    /** A Knative Service instead of a Deployment and a Service. */
    @Parameter(property = "unikernel.knative", defaultValue = "false")
    private boolean knative;

    /** Guest memory, MiB: the container's memory limit, which urunc gives the VM. */
    @Parameter(property = "unikernel.memory", defaultValue = "256")
    private int memory;

    @Parameter(property = "unikernel.openfaas.gateway", defaultValue = "http://127.0.0.1:8080")
    private String gateway;

    @Override
    protected void checkSettings() {
        super.checkSettings();
        SettingRange.MEMORY.check(memory);
        SettingRange.REPLICAS.check(replicas);
    }

    @Override
    protected void run() throws MojoFailureException {
        if (skipDeployFiles) {
            getLog().info("Skipping the deploy artefacts: unikernel.deploy.skip is set");
            return;
        }
        try {
            ImageSpec ref = ImageSpec.of(null, null, null, image, null);
            boolean urunc = rootKind() == RootKind.INITRD;
            // The words urunc.json's cmdline holds (initrd root only: the 9p root writes no pod).
            List<String> command = urunc ? Arrays.asList(UruncConfig.forInitrd(
                    Guest.resolve(kernelArgs(RootKind.INITRD), guestPort), unikraftVersion()).cmdline().split(" "))
                    : List.of();
            String digest = digest();
            String name = deployName == null || deployName.isBlank() ? DeploySpec.nameOf(project.getArtifactId())
                    : deployName.trim();
            DeploySpec spec = new DeploySpec(name, digest == null ? ref.reference() : ref.name() + "@" + digest,
                    ref.name(), ref.tag(), command, guestPort, memory, replicas, knative, gateway);
            if (!urunc) {
                getLog().warn("The 9p root cannot run under urunc (it runs Unikraft only with an initrd): writing only"
                        + " the OpenFaaS stack.yml for ukfaas; set unikernel.rootfs=initrd for Kubernetes");
            }
            List<Path> files = DeployWriter.write(spec, urunc, deployDirectory.toPath());
            getLog().info("Deploy artefacts (image " + spec.image() + "): " + files);
        } catch (DeployException e) {
            throw new MojoFailureException(e.render(), e);
        }
    }

    /** The manifest digest the package goal wrote, or null before a package (the image goes by tag then). */
    private String digest() {
        Path f = workDir().resolve("image.digest");
        try {
            return Files.isRegularFile(f) ? Files.readString(f).trim() : null;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + f, e);
        }
    }
}
