package io.github.unikernelfaas.source;

import java.net.URI;
import java.util.List;

/**
 * One pinned source: where it comes from, how it is verified and what it is for.
 *
 * @param id          unique name, also the POM override key (e.g. {@code unikraft}, {@code lib-musl}, {@code musl})
 * @param description human-readable name and version
 * @param version     the pinned version (a commit id for GitHub archives); substituted for {@code ${version}}
 * @param url         where upstream serves it ({@code unikernel.mirror} maps the host away)
 * @param archive     the archive format
 * @param verification sha256 of the file or digest of the extracted tree
 * @param role        core, lib or origin
 * @param lib         the Unikraft library name for make (e.g. {@code libmusl}); null for the core
 * @param placeAs     for origin archives: the path below make's build directory where make expects the
 *                    archive, {@code <lib>/<basename of the lib's URL>}; null otherwise
 * @param topDir      the single top-level directory the archive must have, or null for any
 * @param patches     unified diffs the kernel build applies to a copy of this tree, in order (core and libs only)
 * @param drop        for Debian packages: the paths of the package left out when it is extracted
 */
public record Source(String id, String description, String version, URI url, ArchiveType archive,
        Verification verification, Role role, String lib, String placeAs, String topDir,
        List<SourcePatch> patches, PathFilter drop) {

    public Source {
        patches = List.copyOf(patches);
        drop = drop == null ? PathFilter.NONE : drop;
    }

    /** What a source is used for. */
    public enum Role {
        /** The Unikraft core tree ({@code make -C <core>}). */
        CORE,
        /** A Unikraft library tree ({@code L=...}). */
        LIB,
        /** An upstream archive a library's make fetches; pre-placed so make never downloads. */
        ORIGIN,
        /** A Debian binary package (.deb) for the guest's userland, extracted when the userland is assembled. */
        DEB
    }

    /** Trees (core, libs) are extracted into the cache; origin archives and Debian packages are kept as files. */
    public boolean extracted() {
        return role == Role.CORE || role == Role.LIB;
    }

    /** The file name the download is stored under: the last segment of the URL's path. */
    public String fileName() {
        String path = url.getPath();
        String name = path == null ? "" : path.substring(path.lastIndexOf('/') + 1);
        return name.isEmpty() || name.equals("..") || name.equals(".") ? id + "." + archive : name;
    }

    /** For messages: id and version. */
    public String label() {
        return id + " " + version;
    }
}
