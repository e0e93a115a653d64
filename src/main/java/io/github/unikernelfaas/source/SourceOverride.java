package io.github.unikernelfaas.source;

/**
 * A POM override of one manifest entry. Null fields keep the pinned value. Changing the version or the URL
 * of a GitHub archive without a new checksum leaves the source unverified, which fails the build and says
 * which checksum to add.
 *
 * @param id         the manifest id to override
 * @param version    new version (substituted for {@code ${version}} in the URL, placeAs and topDir)
 * @param url        new URL (may contain {@code ${version}})
 * @param sha256     new sha256 of the file (switches the source to file verification)
 * @param treeSha256 new tree digest (switches the source to tree verification)
 */
public record SourceOverride(String id, String version, String url, String sha256, String treeSha256) {
}
