package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.flavour.Flavours;
import io.github.unikernelfaas.host.HostTool;
import io.github.unikernelfaas.rootfs.Bytecode;
import io.github.unikernelfaas.rootfs.Fs0Assembler;
import io.github.unikernelfaas.rootfs.Fs0Cpio;
import io.github.unikernelfaas.rootfs.Fs0Layout;
import io.github.unikernelfaas.rootfs.FunctionChecker;
import io.github.unikernelfaas.rootfs.GuestPython;
import io.github.unikernelfaas.rootfs.NameService;
import io.github.unikernelfaas.rootfs.Requirements;
import io.github.unikernelfaas.rootfs.Stdlib;
import io.github.unikernelfaas.rootfs.StdlibPolicy;
import io.github.unikernelfaas.rootfs.WrapperSettings;
import io.github.unikernelfaas.kernel.KernelBuilder;
import io.github.unikernelfaas.kernel.KernelConfig;
import io.github.unikernelfaas.kernel.KernelSources;
import io.github.unikernelfaas.kernel.Toolchain;
import io.github.unikernelfaas.source.SourceSet;
import io.github.unikernelfaas.vm.RootKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import org.apache.maven.plugin.MojoFailureException;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Checks the function (syntax, handler) on the host and assembles the fs0 root filesystem: the
 * function, our wrapper and the pure-Python dependencies of requirements.txt. Without a prebuilt
 * kernel (unikernel.kernel) it also builds the Unikraft kernel, once per machine (cached). fs0 gets
 * CPython's standard library whenever the guest needs one (unikernel.stdlib): for a prebuilt kernel
 * only the flavour's standard-library sources (lib-python3 and CPython's archive) are fetched, not the Unikraft
 * tree.
 */
@Mojo(name = "build", defaultPhase = LifecyclePhase.COMPILE, threadSafe = true)
public class BuildMojo extends AbstractSourceMojo {
    /** Pure-Python dependencies, installed into fs0's site-packages. */
    @Parameter(property = "unikernel.requirements", defaultValue = "${project.basedir}/requirements.txt")
    private File requirements;

    /** pip --index-url for the requirements (default: pip's own configuration). */
    @Parameter(property = "unikernel.pipIndexUrl")
    private String pipIndexUrl;

    /** More pip arguments, separated by white space, e.g. "--find-links wheels". */
    @Parameter(property = "unikernel.pipExtraArgs")
    private String pipExtraArgs;

    /**
     * Seconds a handler may run before its request is answered 504 (logged on the console); 0 for no limit.
     * Written into fs0 (app/ukfaas-settings.json), so the image carries it. Below unikernel.invokeTimeout
     * (30), so that the test goals get the guest's 504 rather than giving up first.
     */
    @Parameter(property = "unikernel.handlerTimeout", defaultValue = "25")
    private String handlerTimeout;

    /**
     * The guest's name servers, by IP address (comma-separated, at most 3), written to fs0's /etc/resolv.conf.
     * The default is QEMU user networking's forwarder (10.0.2.3); other VMMs and urunc need their own.
     */
    @Parameter(property = NameService.DNS, defaultValue = NameService.QEMU_USER_NET_DNS)
    private String dns;

    /**
     * Bytes a request body may have in the guest (else 413); written into fs0. The test goals refuse a larger
     * event before the boot.
     */
    @Parameter(property = "unikernel.maxEventBytes", defaultValue = "6291456")
    private String maxEventBytes;

    /** Bytes a handler's answer may have (else 500, naming this setting); written into fs0. */
    @Parameter(property = "unikernel.maxResponseBytes", defaultValue = "6291456")
    private String maxResponseBytes;

    @Override
    protected void checkSettings() {
        super.checkSettings();
        WrapperSettings.parse(handlerTimeout, maxEventBytes, maxResponseBytes);
    }

    @Override
    protected void run() throws MojoFailureException, InterruptedException {
        StdlibPolicy.Decision stdlibNeeded = stdlibDecision(); // first: a refused setting fails before any work
        Path pythonBin = hostPython();
        Path source = functionDirectory.toPath();
        List<Integer> grammar = flavour().grammarVersion();
        String guestVersion = grammar.get(0) + "." + grammar.get(1);
        Optional<Path> guest = findGuestPython();
        getLog().info(guest.map(g -> "Checking the function by compiling it with CPython " + guestVersion + ": " + g)
                .orElse("Checking the function with " + pythonBin + "'s ast in the Python " + guestVersion
                        + " grammar (no CPython " + guestVersion + " found: set unikernel.guestPython for the exact"
                        + " check)"));
        FunctionChecker.check(pythonBin, source, grammar, guest);
        if (!flavour().tls()) {
            getLog().warn("No TLS in the guest: the " + flavour().name() + " runtime has no ssl module (no _ssl, no"
                    + " _hashlib), so https URLs and `import ssl` fail in the function; plain http works. The modern"
                    + " runtime (CPython 3.11 on Unikraft's ELF loader, planned) will have TLS.");
        }
        Fs0Layout layout = fs0Layout();
        List<String> files = Fs0Assembler.assemble(source, layout,
                WrapperSettings.parse(handlerTimeout, maxEventBytes, maxResponseBytes),
                NameService.parse(dns, project.getArtifactId()));
        Requirements.Settings pip = new Requirements.Settings(pythonBin, flavour().pipPythonVersion(), pipIndexUrl,
                AbstractVmMojo.splitArgs(pipExtraArgs), session.isOffline(), System.getenv(), flavour().markers());
        Requirements.Outcome deps = Requirements.install(requirements.toPath(), layout.sitePackages(),
                cacheDir.toPath().resolve("requirements"), pip, getLog()::info);
        Requirements.summary(deps).ifPresent(getLog()::info);
        if (prebuiltKernel == null) {
            SourceSet set = resolveSources();
            buildKernel(set);
            installStdlib(set, layout, stdlibNeeded);
        } else if (stdlibNeeded.install()) {
            deleteStalePatchList();
            installStdlib(resolveSources(flavour().stdlibSources()), layout, stdlibNeeded);
        } else {
            deleteStalePatchList();
            boolean removed = Stdlib.remove(layout);
            getLog().info("Python standard library: not in fs0; " + stdlibNeeded.reason()
                    + (removed ? "; removed the one an earlier build left there" : ""));
        }
        compileBytecode(guest, layout, prebuiltKernel == null || stdlibNeeded.install(), guestVersion);
        getLog().info("Assembled fs0 in " + fs0 + " (" + files.size() + " function file"
                + (files.size() == 1 ? "" : "s") + " + wrapper)");
        if (rootKind() == RootKind.INITRD) {
            int entries = Fs0Cpio.write(fs0.toPath(), fs0Initrd(), initrdRoot);
            getLog().info("fs0 as an initrd: " + fs0Initrd() + " (" + entries + " entries)");
        }
    }

    /** The guest's CPython compiles what fs0 holds: its read-only root cannot keep what the guest compiles. */
    private void compileBytecode(Optional<Path> guest, Fs0Layout layout, boolean stdlibInFs0, String version)
            throws InterruptedException {
        if (!bytecode) {
            getLog().info("No .pyc in fs0 (unikernel.bytecode=false): the guest compiles every module it imports"
                    + " at each boot");
            return;
        }
        if (guest.isEmpty()) {
            getLog().warn("No .pyc in fs0: no CPython " + version + " on this host, so the guest compiles every"
                    + " module it imports at each boot (seconds of cold start under TCG). Install one (pyenv install "
                    + version + ") or set unikernel.guestPython");
            return;
        }
        String guestHome = "/" + layout.pythonLib();
        Bytecode.Result app = Bytecode.compileBeside(guest.get(), layout.app(), guestHome + "/app");
        Bytecode.Result deps = Bytecode.compileBeside(guest.get(), layout.sitePackages(), guestHome + "/site-packages");
        String stdlibNote = "";
        if (stdlibInFs0) {
            Bytecode.Result std = Bytecode.stdlibSourceless(guest.get(), layout,
                    cacheDir.toPath().resolve("bytecode"), getLog()::info);
            stdlibNote = ", standard library " + std.compiled() + " (sourceless)";
            std.failed().forEach(f -> getLog().info("  left as source: " + f));
        }
        for (String f : deps.failed()) {
            getLog().info("  left as source (it does not compile as Python " + version + "): site-packages/" + f);
        }
        getLog().info(".pyc compiled by " + guest.get() + ": app " + app.compiled() + ", site-packages "
                + deps.compiled() + stdlibNote);
    }

    /** A prebuilt kernel is not ours: a list left by an earlier build of ours must not describe it. */
    private void deleteStalePatchList() {
        try {
            Files.deleteIfExists(builtKernelPatches());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not delete the stale " + builtKernelPatches(), e);
        }
    }

    /** No prebuilt kernel: build ours (or take it from the cache). */
    private void buildKernel(SourceSet set) throws InterruptedException {
        KernelBuilder.Result built = buildOrReuseKernel(set);
        try {
            Path target = builtKernel();
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling("kernel.tmp");
            Files.copy(built.kernel(), tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            // Beside the kernel, for the package goal to record in the image.
            Path list = builtKernelPatches();
            Path listTmp = list.resolveSibling(list.getFileName() + ".tmp");
            Files.writeString(listTmp, built.patches().stream().map(p -> p + "\n").collect(Collectors.joining()));
            Files.move(listTmp, list, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            // Symbols beside the kernel: a crash message then names them.
            Path dbg = target.resolveSibling(target.getFileName() + ".dbg");
            if (built.debugSymbols().isPresent()) {
                Files.copy(built.debugSymbols().get(), dbg, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.deleteIfExists(dbg);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not copy the kernel into " + workDir(), e);
        }
        getLog().info("Kernel " + (built.fromCache() ? "from the cache" : "built") + ": " + built.kernel()
                + " (Unikraft " + unikraftVersion() + (built.patches().isEmpty() ? "" : ", patches: "
                + String.join(", ", built.patches())) + ")");
    }

    /** CPython's standard library from the same archive the Unikraft kernel is built from. */
    private void installStdlib(SourceSet set, Fs0Layout layout, StdlibPolicy.Decision why) {
        String lib = flavour().pythonMakeLib();
        int files = Stdlib.install(KernelSources.pythonArchive(set, lib), set.lib(lib), layout);
        getLog().info("Python standard library: " + files + " files in " + layout.pythonHome() + "; " + why.reason());
    }
}
