package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.host.HostToolException;
import io.github.unikernelfaas.image.ImageException;
import io.github.unikernelfaas.invoke.InvalidEventException;
import io.github.unikernelfaas.kernel.KernelBuildException;
import io.github.unikernelfaas.rootfs.FunctionException;
import io.github.unikernelfaas.rootfs.RequirementsException;
import io.github.unikernelfaas.rootfs.StdlibException;
import io.github.unikernelfaas.vm.VmException;
import java.io.File;
import java.nio.file.Path;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/** What every unikernel-faas goal shares: the skip flag, fs0, the work directory and error mapping. */
abstract class AbstractUnikernelMojo extends AbstractMojo {
    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    protected MavenProject project;

    /** Skip every unikernel-faas goal. */
    @Parameter(property = "unikernel.skip", defaultValue = "false")
    protected boolean skip;

    /** The root filesystem shared with the guest. */
    @Parameter(property = "unikernel.fs0", defaultValue = "${project.build.directory}/unikernel/fs0")
    protected File fs0;

    /** The kernel image (a prebuilt Unikraft kernel, or the CI test kernel). */
    @Parameter(property = "unikernel.kernel")
    protected File kernel;

    /** The Unikraft version of the kernel: make's UK_FULLVERSION, the image's os.version. */
    @Parameter(property = "unikernel.unikraftVersion", defaultValue = "0.13.1~85b83a74")
    protected String unikraftVersion;

    /** Where logs, pidfile and results go. */
    @Parameter(property = "unikernel.workDirectory", defaultValue = "${project.build.directory}/unikernel")
    protected File workDirectory;

    protected Path workDir() {
        return workDirectory.toPath();
    }

    /** The kernel to boot or package: unikernel.kernel, else the one the build goal built. */
    protected Path kernel() {
        if (kernel != null) {
            return kernel.toPath();
        }
        Path built = builtKernel();
        if (!java.nio.file.Files.isRegularFile(built)) {
            throw new VmException("No kernel: run the build first (mvn package builds the Unikraft kernel), or set"
                    + " unikernel.kernel to a prebuilt kernel image");
        }
        return built;
    }

    /** Where the build goal leaves the kernel it built (or took from the cache). */
    protected Path builtKernel() {
        return workDir().resolve("kernel");
    }

    @Override
    public final void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("Skipping: unikernel.skip is set");
            return;
        }
        try {
            run();
        } catch (VmException | FunctionException | RequirementsException | InvalidEventException | HostToolException
                | ImageException | KernelBuildException | StdlibException e) {
            throw new MojoFailureException(e.getMessage(), e);
        } catch (java.io.UncheckedIOException e) {
            throw new MojoExecutionException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MojoExecutionException("Interrupted", e);
        }
    }

    protected abstract void run() throws MojoExecutionException, MojoFailureException, InterruptedException;
}
