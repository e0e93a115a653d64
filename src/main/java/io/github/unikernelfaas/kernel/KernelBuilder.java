package io.github.unikernelfaas.kernel;

import io.github.unikernelfaas.host.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * Builds the kernel once per machine: it is the same for every function, so it is cached by a key
 * over the sources, the kconfig, our app files and the toolchain; a second project reuses it.
 */
public final class KernelBuilder {
    /** Bump when the way we build changes, so old cache entries are not reused. */
    static final String RECIPE = "unikernel-faas kernel recipe 1";
    static final List<String> APP_FILES = List.of("Makefile.uk", "Config.uk");
    static final String KERNEL = "kernel";
    static final String COMPLETE = ".complete";

    /**
     * @param make    the make program
     * @param jobs    make -j
     * @param rebuild build even when the cache has this kernel
     */
    public record Request(KernelSources sources, KernelConfig config, Toolchain.Versions toolchain, Path make,
            Path cacheRoot, int jobs, boolean rebuild) {
    }

    /** A built kernel and whether it came from the cache. */
    public record Result(Path kernel, Path config, Path buildLog, boolean fromCache, String key) {
    }

    private KernelBuilder() {
    }

    public static String cacheKey(Request r) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            update(md, RECIPE);
            update(md, r.sources().fingerprint());
            update(md, r.sources().unikraftVersion());
            update(md, r.config().render());
            for (String f : APP_FILES) {
                update(md, new String(appFile(f), StandardCharsets.UTF_8));
            }
            update(md, r.toolchain().gcc());
            update(md, r.toolchain().make());
            return HexFormat.of().formatHex(md.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void update(MessageDigest md, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update(Integer.toString(b.length).getBytes(StandardCharsets.US_ASCII));
        md.update((byte) ':');
        md.update(b);
    }

    static byte[] appFile(String name) {
        try (InputStream in = KernelBuilder.class.getResourceAsStream("app/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Result buildOrReuse(Request r, Consumer<String> log) {
        String key = cacheKey(r);
        Path entry = r.cacheRoot().resolve(key);
        if (!r.rebuild() && isComplete(entry)) {
            return result(entry, true, key);
        }
        try {
            Files.createDirectories(r.cacheRoot());
            try (FileChannel ch = FileChannel.open(r.cacheRoot().resolve(key + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock lock = ch.lock()) {
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
        }
    }

    /** Runs the build in {@code work}; returns a directory holding the kernel, its config and log. */
    private static Path build(Request r, Path work, Consumer<String> log) throws IOException {
        Path app = Files.createDirectories(work.resolve("app"));
        for (String f : APP_FILES) {
            Files.write(app.resolve(f), appFile(f));
        }
        Path buildDir = Files.createDirectories(work.resolve("build"));
        for (KernelSources.Origin o : r.sources().origins()) {
            // Pre-placed archives make Unikraft's fetch rule a no-op: the build never calls wget.
            Path target = Files.createDirectories(buildDir.resolve(o.makeDir())).resolve(o.fileName());
            Files.copy(o.file(), target, StandardCopyOption.REPLACE_EXISTING);
        }
        Path defconfig = work.resolve("defconfig");
        Files.writeString(defconfig, r.config().render(), StandardCharsets.UTF_8);
        Path buildLog = work.resolve("build.log");
        MakeDriver make = new MakeDriver(r.make(), r.sources().core(),
                app, r.sources().libs().stream().map(KernelSources.Library::dir).toList(), buildDir,
                r.sources().unikraftVersion());
        log.accept("Building the Unikraft kernel (first time on this machine: ~10 min on 2 cores); log: " + buildLog);
        make.run(make.defconfigCommand(defconfig), buildLog, "make defconfig", log);
        Path dotConfig = app.resolve(".config");
        r.config().verify(dotConfig);
        make.run(make.buildCommand(r.jobs()), buildLog, "make", log);
        Path kernel = findKernel(buildDir, dotConfig);
        Path staged = Files.createDirectories(work.resolve("result"));
        Files.copy(kernel, staged.resolve(KERNEL));
        Files.copy(dotConfig, staged.resolve("config"));
        Files.copy(buildLog, staged.resolve("build.log"));
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
        return Files.isRegularFile(entry.resolve(COMPLETE)) && Files.isRegularFile(entry.resolve(KERNEL));
    }

    private static Result result(Path entry, boolean cached, String key) {
        return new Result(entry.resolve(KERNEL), entry.resolve("config"), entry.resolve("build.log"), cached, key);
    }

}
