package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.UnikernelException;
import io.github.unikernelfaas.host.HostTool;
import io.github.unikernelfaas.rootfs.GuestPython;
import io.github.unikernelfaas.flavour.Flavour;
import io.github.unikernelfaas.flavour.Flavours;
import io.github.unikernelfaas.rootfs.Fs0Layout;
import io.github.unikernelfaas.image.KernelBundleRegistry;
import io.github.unikernelfaas.vm.KernelBundle;
import io.github.unikernelfaas.vm.RootKind;
import io.github.unikernelfaas.vm.VmException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;
import org.apache.maven.rtinfo.RuntimeInformation;

/**
 * What every unikernel-faas goal shares: the skip flag, the flavour, fs0, the work directory and error mapping.
 */
abstract class AbstractUnikernelMojo extends AbstractMojo {
    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    protected MavenProject project;

    /** The running Maven's version, checked before any goal (see {@link MavenVersion}). */
    @Component
    private RuntimeInformation runtime;

    /** Skip every unikernel-faas goal. */
    @Parameter(property = "unikernel.skip", defaultValue = "false")
    protected boolean skip;

    /** The root filesystem shared with the guest. */
    @Parameter(property = "unikernel.fs0", defaultValue = "${project.build.directory}/unikernel/fs0")
    protected File fs0;

    /**
     * The kernel image (a prebuilt Unikraft kernel, or the CI test kernel), or a kernel bundle: a directory
     * holding the kernel and its companions (initrd, kernel and QEMU arguments, initrd root, stdlib) in
     * kernel-bundle.properties, whose settings apply where the POM and -D set none; or a published kernel
     * bundle: {@code mvn:groupId:artifactId:version[:classifier]} (resolved from Maven's repositories) or
     * {@code oci:registry/repository:tag[@sha256:...]} (pulled from a registry), optionally pinned by digest.
     */
    @Parameter(property = "unikernel.kernel")
    private String kernel;

    /** Allow plain HTTP and unverified TLS (for a registry on your own network): pushes, and kernels pulled by oci:. */
    @Parameter(property = "unikernel.allowInsecureRegistries", defaultValue = "false")
    protected boolean allowInsecureRegistries;

    /** unikernel.kernel as a file or bundle directory (a published bundle resolved and unpacked); null: built. */
    protected File prebuiltKernel;

    /** The bundle unikernel.kernel named, if it named one. */
    protected KernelBundle kernelBundle;

    /** Resolves published kernel bundles (mvn: coordinates) through Maven's repositories. */
    @Component
    private org.eclipse.aether.RepositorySystem repositorySystem;

    @Parameter(defaultValue = "${repositorySystemSession}", readonly = true, required = true)
    private org.eclipse.aether.RepositorySystemSession repositorySession;

    /**
     * The kernel flavour: a Unikraft version with a CPython version, one resource directory of the plugin
     * (flavours/NAME/) holding its sources, patches, kconfig, app files and facts.
     */
    @Parameter(property = "unikernel.flavour", defaultValue = Flavour.DEFAULT)
    protected String flavour;

    /** The Unikraft version of the kernel: make's UK_FULLVERSION, the image's os.version. Default: the flavour's. */
    @Parameter(property = "unikernel.unikraftVersion")
    protected String unikraftVersion;

    /** The user's cache, shared by all builds: verified sources, kernels, dependencies, KVM verdicts. */
    @Parameter(property = "unikernel.cacheDir", defaultValue = "${user.home}/.cache/unikernel-faas")
    protected File cacheDir;

    /**
     * How fs0 reaches the guest: initrd (a CPIO archive unpacked into RAM at boot; the faster to the first
     * answer, and what urunc and VM snapshots need) or 9p (a read-only share of the directory, whose image
     * keeps the function in a layer of its own).
     */
    @Parameter(property = "unikernel.rootfs", defaultValue = "initrd")
    protected String rootfs;

    /**
     * With the initrd root: the directory inside the initrd that fs0's tree goes under. Empty for a
     * Unikraft kernel (fs0 is the root); a kernel with an initrd of its own may want it elsewhere (the
     * CI test guest: fs0).
     */
    @Parameter(property = "unikernel.initrdRoot", defaultValue = "")
    protected String initrdRoot;

    /**
     * The kernel command line; {guestPort} is replaced by the guest port. The default is the flavour's for
     * the root: the libparams that mount it, static IP on QEMU's user network, then Python's arguments (the wrapper
     * started by -c, without site).
     */
    @Parameter(property = "unikernel.kernelArgs")
    protected String kernelArgs;

    /** The port the in-guest wrapper listens on. */
    @Parameter(property = "unikernel.guestPort", defaultValue = "8123")
    protected int guestPort;

    /** Where logs, pidfile and results go. */
    @Parameter(property = "unikernel.workDirectory", defaultValue = "${project.build.directory}/unikernel")
    protected File workDirectory;

    /** Loaded once, on first use: goals that never need it never read it. */
    private Flavour loadedFlavour;

    /** The flavour unikernel.flavour names; an unknown name fails the build naming the known ones. */
    protected Flavour flavour() {
        if (loadedFlavour == null) {
            loadedFlavour = Flavours.load(flavour);
        }
        return loadedFlavour;
    }

    /** unikernel.unikraftVersion, else the flavour's. */
    protected String unikraftVersion() {
        return unikraftVersion == null || unikraftVersion.isBlank() ? flavour().unikraftVersion()
                : unikraftVersion.trim();
    }

    /** Where things live in fs0, under the flavour's Python lib dir. */
    protected Fs0Layout fs0Layout() {
        return new Fs0Layout(fs0.toPath(), flavour().pythonLib());
    }

    /** The kernel command line for this root: unikernel.kernelArgs, else the flavour's default. */
    protected String kernelArgs(RootKind root) {
        return kernelArgs == null || kernelArgs.isBlank() ? flavour().kernelArgs(root) : kernelArgs;
    }

    protected Path workDir() {
        return workDirectory.toPath();
    }

    /** The kernel to boot or package: unikernel.kernel, else the one the build goal built. */
    protected Path kernel() {
        if (prebuiltKernel != null) {
            return prebuiltKernel.toPath();
        }
        Path built = builtKernel();
        if (!Files.isRegularFile(built)) {
            throw new VmException("No kernel: run the build first (mvn package builds the Unikraft kernel), or set"
                    + " unikernel.kernel to a prebuilt kernel image");
        }
        return built;
    }

    /** Where the build goal leaves the kernel it built (or took from the cache). */
    protected Path builtKernel() {
        return workDir().resolve("kernel");
    }

    protected RootKind rootKind() {
        return RootKind.parse(rootfs);
    }

    /** fs0 as a CPIO archive, written by the build goal for the initrd root. */
    protected Path fs0Initrd() {
        return workDir().resolve("fs0.cpio");
    }

    /** Beside the built kernel: the names of our patches it was built with, one a line. */
    protected Path builtKernelPatches() {
        return workDir().resolve(KERNEL_PATCHES_FILE);
    }

    static final String KERNEL_PATCHES_FILE = "kernel-patches.txt";

    /** The patches the kernel to package was built with: none for a prebuilt kernel. */
    protected List<String> kernelPatches() {
        Path f = builtKernelPatches();
        if (prebuiltKernel != null || !Files.isRegularFile(f)) {
            return List.of();
        }
        try {
            return Files.readAllLines(f).stream().map(String::trim).filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + f, e);
        }
    }

    // The function's settings: the build goal assembles fs0 with them, run's live reload re-checks with them.
    /** The directory holding function.py and the function's other modules. */
    @Parameter(property = "unikernel.functionDirectory", defaultValue = "${project.basedir}/src/main/python")
    protected File functionDirectory;

    /** The host python3 used to check the function's syntax and to run pip. */
    @Parameter(property = "unikernel.python", defaultValue = "python3")
    protected String python;

    /**
     * A CPython of the guest's version (e.g. python3.7) to compile the function with: a program name or path.
     * Blank: looked for on PATH and in ~/.pyenv/versions; "none": not looked for (the host python3's ast then
     * checks the grammar).
     */
    @Parameter(property = "unikernel.guestPython")
    protected String guestPython;

    /**
     * Ship fs0's Python as .pyc compiled by the guest's CPython (unikernel.guestPython or the one found): the
     * standard library sourceless, the app and site-packages with __pycache__ beside their sources.
     */
    @Parameter(property = "unikernel.bytecode", defaultValue = "true")
    protected boolean bytecode;

    /** The host python3 (unikernel.python) that checks the function and runs pip. */
    protected Path hostPython() {
        return HostTool.require(python, "python3", System.getenv("PATH"), "unikernel.python",
                "Install Python 3.8 or newer (Debian/Ubuntu: sudo apt-get install python3)");
    }

    /** A CPython of the flavour's guest version (unikernel.guestPython, else PATH and pyenv), if any. */
    protected java.util.Optional<Path> findGuestPython() {
        List<Integer> grammar = flavour().grammarVersion();
        return GuestPython.find(guestPython, grammar.get(0) + "." + grammar.get(1), System.getenv("PATH"),
                Path.of(System.getProperty("user.home")));
    }

    static String unexpected(RuntimeException e) {
        return "unikernel-faas failed unexpectedly (" + e.getClass().getName() + "): " + e.getMessage()
                + "\nThis is a bug of the plugin: please report it with the output of -e.";
    }

    @Override
    public final void execute() throws MojoExecutionException, MojoFailureException {
        java.util.Optional<String> tooOld = MavenVersion.refusal(runtime == null ? null : runtime.getMavenVersion());
        if (tooOld.isPresent()) {
            throw new MojoExecutionException(tooOld.get());
        }
        if (skip) {
            getLog().info("Skipping: unikernel.skip is set");
            return;
        }
        try {
            prebuiltKernel = resolveKernel();
            if (prebuiltKernel != null && prebuiltKernel.isDirectory()) {
                kernelBundle = KernelBundle.read(prebuiltKernel.toPath());
                kernelBundle.checkFits(flavour().name());
                applyBundle(kernelBundle);
            }
            run();
        } catch (UnikernelException e) {
            throw new MojoFailureException(e.render(), e);
        } catch (java.io.UncheckedIOException e) {
            throw new MojoExecutionException(e.getMessage(), e);
        } catch (RuntimeException e) {
            // Not one of ours: say so plainly instead of a bare class name.
            throw new MojoExecutionException(unexpected(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MojoExecutionException("Interrupted", e);
        } finally {
            afterRun();
        }
    }

    /** Runs when the goal ends, however it ends (not on Ctrl-C: use a shutdown hook for that). */
    protected void afterRun() {
    }

    /**
     * unikernel.kernel named a bundle: from here on the kernel is its kernel file, and each of its settings
     * fills the option of the same name unless the POM or -D set it. Subclasses add their own options.
     */
    protected void applyBundle(KernelBundle bundle) {
        getLog().debug("Kernel bundle " + bundle.dir() + ": " + bundle);
        prebuiltKernel = bundle.kernel().toFile();
        if (kernelArgs == null || kernelArgs.isBlank()) {
            kernelArgs = bundle.kernelArgs().orElse(kernelArgs);
        }
        if (initrdRoot == null || initrdRoot.isBlank()) {
            initrdRoot = bundle.initrdRoot().orElse(initrdRoot);
        }
    }

    /** Published kernels this JVM resolved already: every goal of a build names the same one. */
    private static final java.util.concurrent.ConcurrentHashMap<String, File> RESOLVED =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** unikernel.kernel as a file: a path (relative to the project), or a published bundle unpacked in the cache. */
    private File resolveKernel() throws InterruptedException {
        if (kernel == null || kernel.isBlank()) {
            return null;
        }
        String spec = kernel.trim();
        if (!spec.startsWith("mvn:") && !spec.startsWith("oci:")) {
            File f = new File(spec);
            return f.isAbsolute() || project == null || project.getBasedir() == null ? f
                    : new File(project.getBasedir(), spec);
        }
        String key = spec + "|" + cacheDir.getAbsolutePath() + "|" + repositorySession.isOffline();
        File known = RESOLVED.get(key);
        if (known != null && known.isDirectory()) {
            return known;
        }
        Path bundles = cacheDir.toPath().resolve("kernels").resolve("bundles");
        java.util.Optional<KernelBundleRegistry.Reference> image = KernelBundleRegistry.Reference.parse(spec);
        File resolved = image.isPresent()
                ? KernelBundleRegistry.pull(image.get(), allowInsecureRegistries, repositorySession.isOffline(),
                        bundles, getLog()::info).toFile()
                : KernelArtifact.parse(spec).orElseThrow().resolve(repositorySystem, repositorySession,
                        project.getRemoteProjectRepositories(), bundles, getLog()::info).toFile();
        RESOLVED.put(key, resolved);
        return resolved;
    }

    protected abstract void run() throws MojoExecutionException, MojoFailureException, InterruptedException;
}
