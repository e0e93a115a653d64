package io.github.unikernelfaas.source;

import io.github.unikernelfaas.host.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A unified diff to apply to a source tree (core or lib) before make. The kernel build applies it to a private
 * copy; the verified tree in the cache is never changed. The name (e.g. {@code unikraft/0001-x.patch}) appears
 * in build.log and the kernel cache entry; the content feeds the kernel cache key.
 */
public final class SourcePatch {
    /** Bundled patches live below this resource folder, next to the manifest that names them. */
    public static final String RESOURCE_DIR = "patches/";

    private final String name;
    private final String location;
    private final byte[] content;
    private final String sha256;

    /**
     * @param name     short name, {@code <source id>/<file name>}
     * @param location where it was read from, for messages
     * @param content  the diff
     */
    public SourcePatch(String name, String location, byte[] content) {
        this.name = name;
        this.location = location;
        this.content = content.clone();
        this.sha256 = Digests.sha256(content);
    }

    /** A patch bundled with the plugin: {@code patches/<name>} beside sources.json in {@code resourceDir}. */
    static SourcePatch bundled(String sourceId, String name, String resourceDir) {
        if (!name.matches("[A-Za-z0-9_.+-]+(/[A-Za-z0-9_.+-]+)*") || Arrays.asList(name.split("/")).contains("..")) {
            throw new SourceException("Source manifest: '" + sourceId + "' lists the patch '" + name + "': a patch"
                    + " is named by its path below " + RESOURCE_DIR + ", e.g. " + sourceId + "/0001-fix.patch");
        }
        try (InputStream in = SourcePatch.class.getResourceAsStream(resourceDir + RESOURCE_DIR + name)) {
            if (in == null) {
                throw new SourceException("Source manifest: the patch " + resourceDir + RESOURCE_DIR + name
                        + " listed for '" + sourceId + "' is missing from the plugin's jar");
            }
            return new SourcePatch(name, "bundled with the plugin", in.readAllBytes());
        } catch (IOException e) {
            throw new SourceException("Cannot read the bundled patch " + name + ": " + e.getMessage(), e);
        }
    }

    /** A patch file of the user's, named {@code <sourceId>/<file name>} (the folder it is in does not matter). */
    static SourcePatch file(String sourceId, Path file, String from) {
        try {
            return new SourcePatch(sourceId + "/" + file.getFileName(), file.toAbsolutePath().toString(),
                    Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new SourceException("The patch file " + file + " for source '" + sourceId + "' (" + from
                    + ") does not exist");
        } catch (IOException e) {
            throw new SourceException("Cannot read the patch file " + file + " for source '" + sourceId + "' ("
                    + from + "): " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    /** Where it was read from (a file, or bundled with the plugin), for messages. */
    public String location() {
        return location;
    }

    /** The diff's bytes (a copy). */
    public byte[] content() {
        return content.clone();
    }

    /** Hex sha256 of the content. */
    public String sha256() {
        return sha256;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SourcePatch p && p.name.equals(name) && p.sha256.equals(sha256);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + sha256.hashCode();
    }

    @Override
    public String toString() {
        return name;
    }
}
