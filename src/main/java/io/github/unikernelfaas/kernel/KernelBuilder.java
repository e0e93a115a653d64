package io.github.unikernelfaas.kernel;

import io.github.unikernelfaas.host.CacheLock;
import io.github.unikernelfaas.host.CacheLockException;
import io.github.unikernelfaas.host.Digests;
import io.github.unikernelfaas.host.Trees;
import io.github.unikernelfaas.source.SourcePatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Builds the kernel once per machine: it is the same for every function, so it is cached by a key
 * over the sources, the kconfig, our app files and the toolchain; a second project reuses it.
 */
public final class KernelBuilder {
    /** Bump when the way we build changes, so old cache entries are not reused. */
    static final String RECIPE = "unikernel-faas kernel recipe 3 (file prefix maps)";
    static final String KERNEL = "kernel";
    static final String COMPLETE = ".complete";
    /** In a cache entry: the names of the patches the kernel was built with, one a line. */
    static final String PATCHES = "patches.txt";
    /** A first build takes ~10 min on 2 cores; a waiter gives up well after any sane build. */
    private static final Duration LOCK_TIMEOUT = Duration.ofHours(2);

    /**
     * @param appFiles the Unikraft app directory's files (Makefile.uk, Config.uk) by name, from the flavour
     * @param make     the make program
     * @param jobs     make -j
     * @param rebuild  build even when the cache has this kernel
     */
    public record Request(KernelSources sources, KernelConfig config, Map<String, String> appFiles,
            Toolchain.Versions toolchain, Path make, Path cacheRoot, int jobs, boolean rebuild) {
        public Request {
            // Ordered: the files feed the cache key in the order given.
            appFiles = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(appFiles));
        }
    }

    /** A built kernel, whether it came from the cache, and the source patches it was built with. */
    public record Result(Path kernel, Path config, Path buildLog, boolean fromCache, String key,
            List<String> patches) {
        /** The unstripped kernel ({@code kernel.dbg}) when the build left one, else empty. */
        public java.util.Optional<Path> debugSymbols() {
            Path dbg = kernel.resolveSibling(kernel.getFileName() + ".dbg");
            return Files.isRegularFile(dbg) ? java.util.Optional.of(dbg) : java.util.Optional.empty();
        }
    }

    private KernelBuilder() {
    }

    public static String cacheKey(Request r) {
        MessageDigest md = Digests.sha256();
        update(md, RECIPE);
        update(md, r.sources().fingerprint());
        update(md, r.sources().unikraftVersion());
        update(md, r.config().render());
        for (KernelSources.TreePatches t : r.sources().patches()) {
            update(md, t.sourceId());
            for (SourcePatch p : t.patches()) {
                update(md, p.name());
                update(md, p.sha256());
            }
        }
        for (String content : r.appFiles().values()) {
            update(md, content);
        }
        update(md, r.toolchain().gcc());
        update(md, r.toolchain().make());
        return Digests.hex(md.digest()).substring(0, 32);
    }

    private static void update(MessageDigest md, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update(Integer.toString(b.length).getBytes(StandardCharsets.US_ASCII));
        md.update((byte) ':');
        md.update(b);
    }

    public static Result buildOrReuse(Request r, Consumer<String> log) {
        String key = cacheKey(r);
        Path entry = r.cacheRoot().resolve(key);
        try {
            if (!r.rebuild() && isComplete(entry)) {
                return result(entry, true, key);
            }
            Files.createDirectories(r.cacheRoot());
            try (CacheLock lock = CacheLock.acquire(r.cacheRoot().resolve(key + ".lock"), LOCK_TIMEOUT,
                    "building the kernel " + key, log)) {
                // Another build may have finished it while we waited for the lock.
                if (!r.rebuild() && isComplete(entry)) {
                    return result(entry, true, key);
                }
                Path work = r.cacheRoot().resolve(key + ".work");
                Trees.delete(work);
                Path staged = build(r, work, log);
                Trees.delete(entry);
                Files.move(staged, entry, StandardCopyOption.ATOMIC_MOVE);
                Trees.delete(work);
                return result(entry, false, key);
            }
        } catch (IOException e) {
            throw new KernelBuildException("Kernel cache " + r.cacheRoot() + ": " + e.getMessage(), e);
        } catch (CacheLockException e) {
            throw new KernelBuildException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelBuildException("Interrupted while waiting for another build of the kernel " + key, e);
        }
    }

    /** Runs the build in {@code work}; returns a directory holding the kernel, its config and log. */
    private static Path build(Request r, Path work, Consumer<String> log) throws IOException {
        Path app = Files.createDirectories(work.resolve("app"));
        for (Map.Entry<String, String> f : r.appFiles().entrySet()) {
            Files.writeString(app.resolve(f.getKey()), f.getValue(), StandardCharsets.UTF_8);
        }
        Path buildLog = work.resolve("build.log");
        KernelSources src = r.sources();
        PatchedTrees.Prepared patched = PatchedTrees.prepare(src.patches(), work.resolve("src"), buildLog, log);
        Path buildDir = Files.createDirectories(work.resolve("build"));
        for (KernelSources.Origin o : r.sources().origins()) {
            // Pre-placed archives make Unikraft's fetch rule a no-op: the build never calls wget.
            Path target = Files.createDirectories(buildDir.resolve(o.makeDir())).resolve(o.fileName());
            Files.copy(o.file(), target, StandardCopyOption.REPLACE_EXISTING);
        }
        Path defconfig = work.resolve("defconfig");
        Files.writeString(defconfig, r.config().render(), StandardCharsets.UTF_8);
        MakeDriver make = new MakeDriver(r.make(), patched.forTree(src.core()), app,
                src.libs().stream().map(l -> patched.forTree(l.dir())).toList(), buildDir, src.unikraftVersion());
        log.accept("Building the Unikraft kernel (first time on this machine: ~10 min on 2 cores); log: " + buildLog);
        make.run(make.defconfigCommand(defconfig), buildLog, "make defconfig", log);
        Path dotConfig = app.resolve(".config");
        r.config().verify(dotConfig);
        make.run(make.buildCommand(r.jobs()), buildLog, "make", log);
        Path kernel = findKernel(buildDir, dotConfig);
        Path staged = Files.createDirectories(work.resolve("result"));
        Files.copy(kernel, staged.resolve(KERNEL));
        // The unstripped image: a crash dump's addresses mean something only with its symbols.
        Path dbg = kernel.resolveSibling(kernel.getFileName() + ".dbg");
        if (Files.isRegularFile(dbg)) {
            Files.copy(dbg, staged.resolve(KERNEL + ".dbg"));
        }
        Files.copy(dotConfig, staged.resolve("config"));
        Files.copy(buildLog, staged.resolve("build.log"));
        Files.writeString(staged.resolve(PATCHES), lines(patched.names()), StandardCharsets.UTF_8);
        Files.writeString(staged.resolve(COMPLETE), r.sources().unikraftVersion() + "\n");
        return staged;
    }

    /** Unikraft names the image {@code <CONFIG_UK_NAME>_qemu-x86_64} (the name defaults to the app dir's). */
    static Path findKernel(Path buildDir, Path dotConfig) throws IOException {
        String name = "app";
        for (String line : Files.readAllLines(dotConfig, StandardCharsets.UTF_8)) {
            if (line.startsWith("CONFIG_UK_NAME=")) {
                name = line.substring("CONFIG_UK_NAME=".length()).replace("\"", "");
            }
        }
        Path kernel = buildDir.resolve(name + "_qemu-x86_64");
        if (!Files.isRegularFile(kernel)) {
            throw new KernelBuildException("make finished but " + kernel + " is missing: see " + buildDir
                    + "/../build.log");
        }
        return kernel;
    }

    private static boolean isComplete(Path entry) {
        return Files.isRegularFile(entry.resolve(COMPLETE)) && Files.isRegularFile(entry.resolve(KERNEL))
                && Files.isRegularFile(entry.resolve(PATCHES));
    }

    private static Result result(Path entry, boolean cached, String key) throws IOException {
        List<String> patches = Files.readAllLines(entry.resolve(PATCHES), StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank()).toList();
        return new Result(entry.resolve(KERNEL), entry.resolve("config"), entry.resolve("build.log"), cached, key,
                patches);
    }

    /** One per line, each ending in a newline; empty for none. */
    private static String lines(List<String> names) {
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            sb.append(n).append('\n');
        }
        return sb.toString();
    }

}
