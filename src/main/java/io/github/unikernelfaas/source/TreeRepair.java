package io.github.unikernelfaas.source;

import io.github.unikernelfaas.host.CacheLock;
import io.github.unikernelfaas.host.CacheLockException;
import io.github.unikernelfaas.host.Digests;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Mends a cached tree that no longer matches its marker's {@link TreeManifest} (a file truncated, deleted or
 * added since it was verified; make failing on it would say nothing about the cache), or that was verified by an
 * older version and has no manifest yet. Without network: a damaged tree is extracted again from the archive kept
 * beside it, if that still has its verified sha256; a tree without a manifest is checked once by its full
 * {@link TreeDigest} and gets one. When neither works the caller fetches the source again (online) or names the
 * entry to delete (offline).
 */
final class TreeRepair {
    private TreeRepair() {
    }

    /** Under the entry's lock: the repaired entry, or the check saying why it stays unusable. */
    static SourceResolver.Check underLock(SourceResolver resolver, Source s, String problem)
            throws InterruptedException {
        try (CacheLock lock = resolver.lock(s, "checking the cached ")) {
            SourceResolver.Check again = resolver.check(s);
            if (!again.damaged()) {
                return again; // another build repaired or replaced it while we waited
            }
            return repair(resolver, s, again.problem());
        } catch (IOException e) {
            return new SourceResolver.Check(null, problem + " (and it could not be repaired: " + e.getMessage() + ")");
        } catch (CacheLockException e) {
            throw new SourceException(e.getMessage(), e);
        }
    }

    /** The repaired entry, or why it stays unusable. */
    private static SourceResolver.Check repair(SourceResolver resolver, Source s, String problem) throws IOException {
        Path dir = resolver.entryDir(s);
        CacheMarker marker = CacheMarker.read(dir.resolve(CacheMarker.NAME));
        Path tree = dir.resolve("tree");
        if (marker.manifest() == null && s.verification().kind() == Verification.Kind.TREE_SHA256) {
            String top = marker.fields().getOrDefault("topDir", "");
            if (TreeDigest.matches(top.isEmpty() ? tree : tree.resolve(top), s.verification().value())) {
                TreeManifest manifest = TreeManifest.of(tree);
                marker.withManifest(manifest).write(dir.resolve(CacheMarker.NAME));
                resolver.log().info("Cached " + s.label() + " in " + dir + ": checked once by its full tree digest"
                        + " and recorded its " + manifest.size() + " files, which later builds check cheaply");
                return new SourceResolver.Check(new SourceResolver.Entry(dir, marker.fields(), false), null);
            }
            problem = "its files do not match the pinned treeSha256";
        }
        String name = marker.get("file");
        Path archive = name == null ? null : dir.resolve(name);
        if (archive == null || !Files.isRegularFile(archive)
                || !Digests.sha256(archive).equals(marker.get("fileSha256"))) {
            return new SourceResolver.Check(null, problem); // nothing verified to rebuild it from
        }
        Path work = resolver.newWork(s);
        try {
            Path copy = work.resolve(s.fileName());
            Files.copy(archive, copy);
            SourceResolver.Entry e = resolver.install(s, copy, URI.create(marker.get("url")), work, dir, false);
            resolver.log().warn("Cached " + s.label() + " in " + dir + " was damaged (" + problem
                    + "): extracted it again from its verified archive " + archive.getFileName());
            return new SourceResolver.Check(e, null);
        } catch (SourceException e) {
            // The kept archive no longer gives the pinned tree: fetch it again.
            return new SourceResolver.Check(null, problem + "; its kept archive does not verify either");
        } finally {
            io.github.unikernelfaas.host.Trees.delete(work);
        }
    }
}
