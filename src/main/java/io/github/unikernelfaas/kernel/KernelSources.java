package io.github.unikernelfaas.kernel;

import io.github.unikernelfaas.source.SourcePatch;
import io.github.unikernelfaas.source.SourceSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Verified Unikraft sources, ready for make.
 *
 * @param core            the Unikraft core tree (holds its Makefile)
 * @param libs            library trees in the order make's L= wants them (musl first)
 * @param origins         upstream archives to pre-place where each library's fetch rule expects them
 * @param fingerprint     the verified checksums of everything above (feeds the kernel cache key)
 * @param unikraftVersion what the kernel reports (the flavour's, or unikernel.unikraftVersion)
 * @param patches         the trees above (core or libs) that get patches, applied to a private copy before make
 */
public record KernelSources(Path core, List<Library> libs, List<Origin> origins, String fingerprint,
        String unikraftVersion, List<TreePatches> patches) {

    public record Library(String name, Path dir) {
    }

    /** An origin archive: make's fetch rule looks for {@code <build>/<makeDir>/<fileName>}. */
    public record Origin(String makeDir, String fileName, Path file) {
    }

    /** The patches of one tree, in the order they are applied. */
    public record TreePatches(String sourceId, Path tree, List<SourcePatch> patches) {
        public TreePatches {
            patches = List.copyOf(patches);
        }
    }

    public KernelSources {
        libs = List.copyOf(libs);
        origins = List.copyOf(origins);
        patches = List.copyOf(patches);
        for (TreePatches t : patches) {
            if (!t.tree().equals(core) && libs.stream().noneMatch(l -> l.dir().equals(t.tree()))) {
                throw new IllegalArgumentException("Patches for " + t.sourceId() + " name " + t.tree()
                        + ", which is neither the core nor a library tree");
            }
        }
    }

    /** Sources without patches. */
    public KernelSources(Path core, List<Library> libs, List<Origin> origins, String fingerprint,
            String unikraftVersion) {
        this(core, libs, origins, fingerprint, unikraftVersion, List.of());
    }

    /** The fetched, verified sources as make needs them. */
    public static KernelSources of(SourceSet set, String unikraftVersion) {
        List<Library> libs = new ArrayList<>();
        set.libs().forEach((name, dir) -> libs.add(new Library(name, dir)));
        List<Origin> origins = new ArrayList<>();
        for (SourceSet.OriginArchive o : set.origins()) {
            String makeDir = o.placeAs().substring(0, o.placeAs().lastIndexOf('/'));
            origins.add(new Origin(makeDir, o.fileName(), o.file()));
        }
        List<TreePatches> patches = new ArrayList<>();
        for (SourceSet.PatchedTree t : set.patchedTrees()) {
            patches.add(new TreePatches(t.id(), t.dir(), t.patches()));
        }
        return new KernelSources(set.core(), libs, origins, set.key(), unikraftVersion, patches);
    }

    /**
     * CPython's source archive: the standard library in fs0 comes from the same bytes as the kernel.
     *
     * @param pythonMakeLib the make lib name of CPython (the flavour's, e.g. libpython3)
     */
    public static Path pythonArchive(SourceSet set, String pythonMakeLib) {
        return set.origins().stream().filter(o -> o.lib().equals(pythonMakeLib)).map(SourceSet.OriginArchive::file)
                .findFirst().orElseThrow(() -> new KernelBuildException("The sources hold no CPython origin archive"
                        + " (lib " + pythonMakeLib + ")"));
    }
}
