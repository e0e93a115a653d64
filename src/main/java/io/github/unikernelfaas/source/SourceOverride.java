package io.github.unikernelfaas.source;

import java.nio.file.Path;
import java.util.List;

/**
 * An override of one manifest entry, from the POM's {@code <sources>} or a sources file. Null fields keep the
 * pinned value. Changing the version or the URL of a GitHub archive without a new checksum leaves the source
 * unverified, which fails the build and says which checksum to add.
 *
 * @param id         the manifest id to override
 * @param version    new version (substituted for {@code ${version}} in the URL, placeAs and topDir)
 * @param url        new URL (may contain {@code ${version}})
 * @param sha256     new sha256 of the file (switches the source to file verification)
 * @param treeSha256 new tree digest (switches the source to tree verification)
 * @param patches    patch files replacing the pinned patches (empty: none); null keeps the pinned ones
 * @param from       where the override was given, for messages (e.g. "<sources> in the POM")
 */
public record SourceOverride(String id, String version, String url, String sha256, String treeSha256,
        List<Path> patches, String from) {
    /** Where POM overrides come from, in messages. */
    public static final String POM = "<sources> in the POM";

    public SourceOverride {
        patches = patches == null ? null : List.copyOf(patches);
        from = from == null ? POM : from;
    }

    /** A POM override that keeps the pinned patches. */
    public SourceOverride(String id, String version, String url, String sha256, String treeSha256) {
        this(id, version, url, sha256, treeSha256, null, POM);
    }
}
