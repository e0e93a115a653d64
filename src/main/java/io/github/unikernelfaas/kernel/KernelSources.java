package io.github.unikernelfaas.kernel;

import java.nio.file.Path;
import java.util.List;

/**
 * Verified Unikraft sources, ready for make.
 *
 * @param core            the Unikraft core tree (holds its Makefile)
 * @param libs            library trees in the order make's L= wants them (musl first)
 * @param origins         upstream archives to pre-place where each library's fetch rule expects them
 * @param fingerprint     the verified checksums of everything above (feeds the kernel cache key)
 * @param unikraftVersion what the kernel reports, e.g. 0.13.1~85b83a74
 */
public record KernelSources(Path core, List<Library> libs, List<Origin> origins, String fingerprint,
        String unikraftVersion) {

    public record Library(String name, Path dir) {
    }

    /** An origin archive: make's fetch rule looks for {@code <build>/<makeDir>/<fileName>}. */
    public record Origin(String makeDir, String fileName, Path file) {
    }

    public KernelSources {
        libs = List.copyOf(libs);
        origins = List.copyOf(origins);
    }
}
