package io.github.unikernelfaas.source;

import io.github.unikernelfaas.host.Digests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Verified sources in the cache, ready for the kernel build:
 * {@code make -C <core()> A=<app> L=<libraryPath()>} after {@link #placeOrigins(Path)} into the build directory
 * (so make finds every origin archive and never runs wget).
 *
 * <p>The trees are shared by every build on the machine: read them, never write into them.
 */
public final class SourceSet {
    private final Path core;
    private final Map<String, Path> libs;
    private final List<OriginArchive> origins;
    private final List<PatchedTree> patched;
    private final List<DebPackage> packages;
    private final String key;

    /** An origin archive: the cached, verified file and where below make's build directory it must be. */
    public record OriginArchive(String id, String lib, String placeAs, Path file, String sha256) {
        /** The archive's file name as make expects it (basename of the lib's URL). */
        public String fileName() {
            return placeAs.substring(placeAs.lastIndexOf('/') + 1);
        }
    }

    /**
     * A Debian package: the cached, verified .deb and the paths of it left out when it is extracted
     * ({@link ArchiveExtractor#extract(Path, ArchiveType, Path, PathFilter)}).
     */
    public record DebPackage(String id, String version, Path file, String sha256, PathFilter drop) {
    }

    /** A tree (core or lib) with patches the kernel build applies to a copy of it, in order. */
    public record PatchedTree(String id, Path dir, List<SourcePatch> patches) {
        public PatchedTree {
            patches = List.copyOf(patches);
        }
    }

    SourceSet(Path core, Map<String, Path> libs, List<OriginArchive> origins, List<PatchedTree> patched,
            List<DebPackage> packages, String key) {
        this.core = core;
        this.libs = Collections.unmodifiableMap(new LinkedHashMap<>(libs));
        this.origins = List.copyOf(origins);
        this.patched = List.copyOf(patched);
        this.packages = List.copyOf(packages);
        this.key = key;
    }

    /** The Unikraft core tree ({@code make -C}); null in a set resolved without it (a subset). */
    public Path core() {
        return core;
    }

    /** Library trees by make lib name (e.g. {@code libmusl}), in the manifest's order, which is L='s order. */
    public Map<String, Path> libs() {
        return libs;
    }

    /** One library tree by make lib name. */
    public Path lib(String libName) {
        Path p = libs.get(libName);
        if (p == null) {
            throw new SourceException("No library '" + libName + "' among the sources; known: " + libs.keySet());
        }
        return p;
    }

    /** The value for make's {@code L=}: the absolute library trees joined by ':', in order (musl first). */
    public String libraryPath() {
        List<String> dirs = new ArrayList<>();
        for (Path p : libs.values()) {
            dirs.add(p.toAbsolutePath().toString());
        }
        return String.join(":", dirs);
    }

    /** The origin archives make would otherwise download. */
    public List<OriginArchive> origins() {
        return origins;
    }

    /** The Debian packages, in manifest order. */
    public List<DebPackage> packages() {
        return packages;
    }

    /** The trees that have patches (the others are used as they are in the cache). */
    public List<PatchedTree> patchedTrees() {
        return patched;
    }

    /** A digest over every source's id, kind and pinned checksum: part of a kernel cache key. */
    public String key() {
        return key;
    }

    /**
     * Puts each origin archive at {@code <buildDir>/<lib>/<basename>} (hard link, else copy), so make's fetch
     * rule is satisfied and wget never runs. An archive already there with the right content is left alone
     * (keeping its timestamp, so make does not re-extract); anything else there is replaced atomically.
     *
     * @param buildDir make's build directory ({@code <app>/build} by default, or {@code O=})
     * @return the placed paths
     */
    public List<Path> placeOrigins(Path buildDir) {
        List<Path> placed = new ArrayList<>();
        for (OriginArchive o : origins) {
            Path target = buildDir.resolve(o.placeAs());
            try {
                Files.createDirectories(target.getParent());
                if (Files.isRegularFile(target) && Digests.sha256(target).equals(o.sha256())) {
                    placed.add(target);
                    continue;
                }
                Path tmp = target.resolveSibling("." + o.fileName() + ".tmp-"
                        + Long.toHexString(ThreadLocalRandom.current().nextLong()));
                try {
                    try {
                        Files.createLink(tmp, o.file());
                    } catch (IOException | UnsupportedOperationException | SecurityException e) {
                        Files.copy(o.file(), tmp, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(tmp);
                }
                placed.add(target);
            } catch (IOException e) {
                throw new SourceException("Cannot place " + o.id() + " at " + target + ": " + e.getMessage(), e);
            }
        }
        return placed;
    }
}
