package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.host.HostTool;
import io.github.unikernelfaas.rootfs.Fs0Assembler;
import io.github.unikernelfaas.rootfs.Fs0Layout;
import io.github.unikernelfaas.rootfs.FunctionChecker;
import io.github.unikernelfaas.rootfs.Requirements;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Checks the function (syntax, handler) on the host and assembles the fs0 root filesystem: the
 * function, our wrapper and the pure-Python dependencies of requirements.txt.
 */
@Mojo(name = "build", defaultPhase = LifecyclePhase.COMPILE, threadSafe = true)
public class BuildMojo extends AbstractUnikernelMojo {
    /** The directory holding function.py and the function's other modules. */
    @Parameter(property = "unikernel.functionDirectory", defaultValue = "${project.basedir}/src/main/python")
    private File functionDirectory;

    /** The host python3 used to check the function's syntax and to run pip. */
    @Parameter(property = "unikernel.python", defaultValue = "python3")
    private String python;

    /** Pure-Python dependencies, installed into fs0's site-packages. */
    @Parameter(property = "unikernel.requirements", defaultValue = "${project.basedir}/requirements.txt")
    private File requirements;

    /** pip --index-url for the requirements (default: pip's own configuration). */
    @Parameter(property = "unikernel.pipIndexUrl")
    private String pipIndexUrl;

    /** More pip arguments, separated by white space, e.g. "--find-links wheels". */
    @Parameter(property = "unikernel.pipExtraArgs")
    private String pipExtraArgs;

    /** Where downloads, kernels and dependency installs are cached across projects. */
    @Parameter(property = "unikernel.cacheDir", defaultValue = "${user.home}/.cache/unikernel-faas")
    private File cacheDir;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    private MavenSession session;

    @Override
    protected void run() {
        Path pythonBin = HostTool.require(python, "python3", System.getenv("PATH"), "unikernel.python",
                "Install Python 3.8 or newer (Debian/Ubuntu: sudo apt-get install python3)");
        Path source = functionDirectory.toPath();
        FunctionChecker.check(pythonBin, source);
        Fs0Layout layout = new Fs0Layout(fs0.toPath());
        List<String> files = Fs0Assembler.assemble(source, layout);
        Requirements.Settings pip = new Requirements.Settings(pythonBin, pipIndexUrl,
                AbstractVmMojo.splitArgs(pipExtraArgs), session.isOffline(), System.getenv());
        Requirements.Outcome deps = Requirements.install(requirements.toPath(), layout.sitePackages(),
                cacheDir.toPath().resolve("requirements"), pip, getLog()::info);
        Requirements.summary(deps).ifPresent(getLog()::info);
        getLog().info("Assembled fs0 in " + fs0 + " (" + files.size() + " function file"
                + (files.size() == 1 ? "" : "s") + " + wrapper)");
    }
}
