package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.host.HostTool;
import io.github.unikernelfaas.rootfs.Fs0Assembler;
import io.github.unikernelfaas.rootfs.Fs0Layout;
import io.github.unikernelfaas.rootfs.FunctionChecker;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/** Checks the function (syntax, handler) on the host and assembles the fs0 root filesystem. */
@Mojo(name = "build", defaultPhase = LifecyclePhase.COMPILE, threadSafe = true)
public class BuildMojo extends AbstractUnikernelMojo {
    /** The directory holding function.py and the function's other modules. */
    @Parameter(property = "unikernel.functionDirectory", defaultValue = "${project.basedir}/src/main/python")
    private File functionDirectory;

    /** The host python3 used to check the function's syntax. */
    @Parameter(property = "unikernel.python", defaultValue = "python3")
    private String python;

    @Override
    protected void run() {
        Path pythonBin = HostTool.require(python, "python3", System.getenv("PATH"), "unikernel.python",
                "Install Python 3.8 or newer (Debian/Ubuntu: sudo apt-get install python3)");
        Path source = functionDirectory.toPath();
        FunctionChecker.check(pythonBin, source);
        List<String> files = Fs0Assembler.assemble(source, new Fs0Layout(fs0.toPath()));
        getLog().info("Assembled fs0 in " + fs0 + " (" + files.size() + " function file"
                + (files.size() == 1 ? "" : "s") + " + wrapper)");
    }
}
