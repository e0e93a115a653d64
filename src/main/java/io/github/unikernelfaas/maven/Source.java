package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.source.SourceOverride;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code <source>} in the plugin's {@code <sources>}: overrides the pinned version, URL or checksum of the
 * manifest entry with this id. Fields left out keep the pinned value.
 */
public class Source {
    /**
     * The id in the flavour's manifest (the shipped flavour: unikraft, lib-musl, lib-lwip, lib-zlib, lib-python3,
     * musl, lwip, zlib, python3).
     */
    private String id;
    /** A new version; substituted for ${version} in the pinned URL. Needs a new checksum. */
    private String version;
    /** A new URL (may contain ${version}). */
    private String url;
    /** sha256 of the file at the URL. */
    private String sha256;
    /** Tree digest of the archive's content (docs/sources.md). */
    private String treeSha256;
    /** Patch files (-p1 unified diffs) replacing the pinned patches; {@code <patches/>} for none. */
    private List<String> patches;

    public String getId() {
        return id;
    }

    public void setId(String id) {
        this.id = id;
    }

    public String getVersion() {
        return version;
    }

    public void setVersion(String version) {
        this.version = version;
    }

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public String getSha256() {
        return sha256;
    }

    public void setSha256(String sha256) {
        this.sha256 = sha256;
    }

    public String getTreeSha256() {
        return treeSha256;
    }

    public void setTreeSha256(String treeSha256) {
        this.treeSha256 = treeSha256;
    }

    public List<String> getPatches() {
        return patches;
    }

    public void setPatches(List<String> patches) {
        this.patches = patches;
    }

    /** Relative patch paths are taken from the project's directory. */
    SourceOverride toOverride(Path basedir) {
        List<Path> files = null;
        if (patches != null) {
            files = new ArrayList<>();
            for (String p : patches) {
                files.add(basedir.resolve(p.trim()));
            }
        }
        return new SourceOverride(id, version, url, sha256, treeSha256, files, SourceOverride.POM);
    }
}
