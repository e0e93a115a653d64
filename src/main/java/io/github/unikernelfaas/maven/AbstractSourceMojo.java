package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.flavour.Flavours;
import io.github.unikernelfaas.rootfs.StdlibPolicy;
import io.github.unikernelfaas.source.FetchLog;
import io.github.unikernelfaas.source.MirrorLayout;
import io.github.unikernelfaas.source.ProxyConfig;
import io.github.unikernelfaas.source.SourceException;
import io.github.unikernelfaas.source.SourceManifest;
import io.github.unikernelfaas.source.SourceOverride;
import io.github.unikernelfaas.source.SourceResolver;
import io.github.unikernelfaas.source.SourceSet;
import io.github.unikernelfaas.source.SourcesFile;
import java.io.File;
import java.net.ProxySelector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * Parameters of the goals that need the Unikraft sources (fetch, and the build of the kernel and the standard
 * library): cache, mirror, overrides, proxies and offline mode from the session, and unikernel.stdlib.
 * {@link #resolveSources()} (all) and {@link #resolveSources(List)} (a subset) are the entry points.
 */
abstract class AbstractSourceMojo extends AbstractUnikernelMojo {
    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    protected MavenSession session;

    @Component
    private SettingsDecrypter settingsDecrypter;

    /**
     * A base URL replacing every upstream host: https://HOST/PATH is fetched from MIRROR/HOST/PATH
     * (http, https or file URL).
     */
    @Parameter(property = "unikernel.mirror")
    protected String mirror;

    /** Overrides of pinned sources: {@code <source><id>..</id><url>..</url><sha256>..</sha256></source>}. */
    @Parameter
    protected List<Source> sources;

    /**
     * A JSON file of source overrides, {@code {"sources": [{"id": "musl", "sha256": "..."}]}} (same fields as
     * {@code <source>}); combined with {@code <sources>}, an id may be overridden in only one of them.
     */
    @Parameter(property = "unikernel.sourcesFile")
    protected File sourcesFile;

    @Parameter(defaultValue = "${project.basedir}", readonly = true, required = true)
    protected File basedir;

    /** Seconds without any data after which a download is aborted. */
    @Parameter(property = "unikernel.downloadTimeout", defaultValue = "60")
    protected int downloadTimeout;

    /**
     * Whether fs0 gets CPython's standard library: auto (the plugin-built kernel and any prebuilt kernel that
     * is not Linux), always, or none (the kernel brings its own Python).
     */
    @Parameter(property = StdlibPolicy.PROPERTY, defaultValue = "auto")
    protected String stdlib;

    /** Extra kconfig lines for the kernel build (CONFIG_X=y or "# CONFIG_X is not set"). */
    @Parameter(property = "unikernel.kconfig")
    protected List<String> kconfig;


    /** Build the kernel even when the cache has it. */
    @Parameter(property = "unikernel.rebuild", defaultValue = "false")
    protected boolean rebuild;

    /** make -j for the kernel build; 0 means one job per core. */
    @Parameter(property = "unikernel.jobs", defaultValue = "0")
    protected int jobs;

    /** The make that builds the kernel (GNU Make 4.1+): a program name on PATH or a path. */
    @Parameter(property = "unikernel.make", defaultValue = "make")
    protected String make;

    /** Builds the flavour's kernel from {@code set}, or takes it from the kernel cache (same key, no make). */
    protected io.github.unikernelfaas.kernel.KernelBuilder.Result buildOrReuseKernel(SourceSet set) {
        String path = System.getenv("PATH");
        java.nio.file.Path makePath = io.github.unikernelfaas.kernel.Toolchain.locateMake(this.make, path);
        io.github.unikernelfaas.kernel.Toolchain.Versions toolchain =
                io.github.unikernelfaas.kernel.Toolchain.check(path, makePath);
        int cores = jobs > 0 ? jobs : Runtime.getRuntime().availableProcessors();
        return io.github.unikernelfaas.kernel.KernelBuilder.buildOrReuse(
                new io.github.unikernelfaas.kernel.KernelBuilder.Request(
                        io.github.unikernelfaas.kernel.KernelSources.of(set, unikraftVersion()),
                        io.github.unikernelfaas.kernel.KernelConfig.withExtras(Flavours.kernelConfig(flavour()), kconfig),
                        Flavours.appFiles(flavour()), toolchain, makePath, cacheDir.toPath().resolve("kernels"), cores,
                        rebuild), getLog()::info);
    }

    /** A bundle's stdlib applies unless the POM or -D chose other than auto. */
    @Override
    protected void applyBundle(io.github.unikernelfaas.vm.KernelBundle bundle) {
        super.applyBundle(bundle);
        if (stdlib == null || stdlib.isBlank() || stdlib.trim().equals("auto")) {
            stdlib = bundle.stdlib().orElse(stdlib);
        }
    }

    /** unikernel.stdlib applied to this build's kernel (prebuilt or not). */
    protected StdlibPolicy.Decision stdlibDecision() {
        return StdlibPolicy.decide(StdlibPolicy.Mode.parse(stdlib), prebuiltKernel == null ? null : prebuiltKernel.toPath());
    }

    /** The flavour's pinned manifest with the overrides of the POM and the sources file. */
    protected SourceManifest manifest() {
        List<SourceOverride> overrides = new ArrayList<>();
        if (sources != null) {
            for (Source s : sources) {
                overrides.add(s.toOverride(basedir.toPath()));
            }
        }
        if (sourcesFile != null) {
            overrides.addAll(SourcesFile.read(sourcesFile.toPath()));
        }
        return SourceManifest.load(Flavours.dir(flavour().name())).withOverrides(overrides);
    }

    /**
     * Resolves every source into the cache (downloading what is missing unless {@code -o}), verified.
     * A {@link SourceException} becomes a build failure with its message.
     */
    protected SourceSet resolveSources() throws MojoFailureException, InterruptedException {
        return resolve(null);
    }

    /** Like {@link #resolveSources()}, but only the sources with these manifest ids. */
    protected SourceSet resolveSources(List<String> ids) throws MojoFailureException, InterruptedException {
        return resolve(ids);
    }

    private SourceSet resolve(List<String> ids) throws MojoFailureException, InterruptedException {
        try {
            ProxyConfig proxies = new ProxyConfig(SettingsProxies.rules(
                    session.getSettings() == null ? null : session.getSettings().getProxies(), settingsDecrypter,
                    getLog()));
            boolean terminal = System.console() != null && session.getRequest().isInteractiveMode();
            FetchLog log = new MavenFetchLog();
            if (terminal) {
                log = FetchLog.withTerminalProgress(log, System.out);
            }
            SourceResolver resolver = SourceResolver.builder(cacheDir.toPath())
                    .mirror(MirrorLayout.parseMirror(mirror))
                    .offline(session.isOffline())
                    .log(log)
                    .terminal(terminal)
                    .proxy(proxies.selector(ProxySelector.getDefault()))
                    .authenticator(proxies.authenticator())
                    .idleTimeout(Duration.ofSeconds(Math.max(1, downloadTimeout)))
                    .build();
            SourceManifest manifest = manifest();
            return ids == null ? resolver.resolve(manifest) : resolver.resolve(manifest.select(ids));
        } catch (SourceException e) {
            throw new MojoFailureException(e.getMessage(), e);
        }
    }

    /** Maven's log as the resolver's log. */
    private final class MavenFetchLog implements FetchLog {
        @Override
        public void info(String message) {
            getLog().info(message);
        }

        @Override
        public void warn(String message) {
            getLog().warn(message);
        }
    }
}
