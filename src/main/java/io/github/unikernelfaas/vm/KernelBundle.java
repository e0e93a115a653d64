package io.github.unikernelfaas.vm;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * A kernel and its companions in one directory, so that one option ({@code unikernel.kernel=DIR}) boots it.
 * The directory holds {@value #FILE} (Java properties: {@code kernel}, {@code initrd} as paths relative to
 * the directory; {@code kernelArgs}, {@code qemuArgs}, {@code initrdRoot}, {@code stdlib} as the options of
 * the same names), or, without that file, just a file named {@code kernel} (a kernel cache entry of this
 * plugin).
 */
public record KernelBundle(Path dir, Path kernel, Optional<Path> initrd, Optional<String> kernelArgs,
        Optional<String> qemuArgs, Optional<String> initrdRoot, Optional<String> stdlib, Provenance provenance) {
    public static final String FILE = "kernel-bundle.properties";
    /**
     * The version of what a published kernel and this plugin agree on (the guest contract: fs0's layout, the
     * kernel command line's shape, the wrapper's endpoints). Raised when a change breaks older kernels.
     */
    public static final String GUEST_CONTRACT = "1";
    private static final Set<String> KEYS = Set.of("kernel", "initrd", "kernelArgs", "qemuArgs", "initrdRoot", "stdlib",
            "flavour", "guestContract", "unikraftVersion", "cacheKey", "patches");

    /**
     * Where a published bundle came from ({@code unikernel:kernel-bundle} writes it; a hand-made bundle has none):
     * the flavour it was built for, the guest contract version, Unikraft's version, the kernel cache key (over its
     * sources, patches, kconfig and toolchain) and our patches.
     */
    public record Provenance(Optional<String> flavour, Optional<String> guestContract,
            Optional<String> unikraftVersion, Optional<String> cacheKey, Optional<String> patches) {
        public static final Provenance NONE = new Provenance(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    /**
     * Refuses a published bundle made for another flavour or guest contract than this build's: its kernel
     * would boot, then fail in ways that say nothing of the cause. Bundles without provenance are the user's
     * own and are taken as they are.
     */
    public void checkFits(String flavourName) {
        provenance.flavour().filter(f -> !f.equals(flavourName)).ifPresent(f -> {
            throw new VmException("The kernel bundle " + dir + " was built for the flavour " + f + ", but this build"
                    + " uses " + flavourName + ": its guest would not run this fs0. Select -Dunikernel.flavour=" + f
                    + ", or use a kernel of " + flavourName).setting("unikernel.kernel");
        });
        provenance.guestContract().filter(c -> !c.equals(GUEST_CONTRACT)).ifPresent(c -> {
            throw new VmException("The kernel bundle " + dir + " speaks guest contract " + c + ", this plugin "
                    + GUEST_CONTRACT + ": republish the kernel with this plugin version (unikernel:kernel-bundle),"
                    + " or use the plugin version that published it").setting("unikernel.kernel");
        });
    }

    /** Reads the bundle in {@code dir}; a missing or incomplete bundle fails naming what it lacks. */
    public static KernelBundle read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            Path kernel = dir.resolve("kernel");
            if (Files.isRegularFile(kernel)) {
                return new KernelBundle(dir, kernel, Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.empty(), Optional.empty(), Provenance.NONE);
            }
            throw new VmException("unikernel.kernel names the directory " + dir + ", which is no kernel bundle: it"
                    + " holds neither " + FILE + " nor a file named kernel. Point unikernel.kernel at the kernel"
                    + " file, or add " + FILE + " (kernel=<file>, optional initrd, kernelArgs, qemuArgs, initrdRoot,"
                    + " stdlib; see docs/kernel.md, Kernel bundles)").setting("unikernel.kernel");
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + file, e);
        }
        Set<String> unknown = new TreeSet<>(p.stringPropertyNames());
        unknown.removeAll(KEYS);
        if (!unknown.isEmpty()) {
            throw new VmException(file + ": unknown key(s) " + unknown + "; known: " + new TreeSet<>(KEYS));
        }
        String kernelName = value(p, "kernel").orElseThrow(() -> new VmException(file
                + " names no kernel: add kernel=<the kernel file, relative to " + dir + ">"));
        return new KernelBundle(dir, existing(dir, file, "kernel", kernelName),
                value(p, "initrd").map(i -> existing(dir, file, "initrd", i)), value(p, "kernelArgs"),
                value(p, "qemuArgs"), value(p, "initrdRoot"), value(p, "stdlib"),
                new Provenance(value(p, "flavour"), value(p, "guestContract"), value(p, "unikraftVersion"),
                        value(p, "cacheKey"), value(p, "patches")));
    }

    private static Optional<String> value(Properties p, String key) {
        String v = p.getProperty(key);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    private static Path existing(Path dir, Path file, String key, String name) {
        Path f = dir.resolve(name).normalize();
        if (!Files.isRegularFile(f)) {
            throw new VmException(file + ": " + key + "=" + name + " but " + f + " is not a file");
        }
        return f;
    }
}
