package io.github.unikernelfaas.source;

import io.github.unikernelfaas.host.Digests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The digest of an archive's tree, used to verify archives whose bytes are not stable (GitHub generates
 * them on demand) but whose content is. It is computed from the archive's entries while
 * {@link ArchiveExtractor} extracts them.
 *
 * <p>Over every regular file and symbolic link (directories are left out; a hard link counts as a file with
 * its target's content; a later entry for the same path replaces an earlier one), with paths relative to the
 * archive's single top-level directory (or to its root when it has none), separated by {@code /}, sorted by
 * their UTF-8 bytes, one line per entry:
 * <pre>
 * f &lt;0644|0755&gt; &lt;path&gt; &lt;sha256 of the content&gt;\n     (0755 when the owner exec bit is set)
 * l 0777 &lt;path&gt; &lt;sha256 of the link target, exactly as stored in the archive&gt;\n
 * </pre>
 * The digest is the hex sha256 of the concatenated lines. The same content gives the same digest whether it
 * came as tar.gz, tar.xz or zip (or from {@code git archive} of the same commit).
 */
public final class TreeDigest {
    /** One entry: kind {@code f} or {@code l}, mode, and the hash of the content or link target. */
    private record Line(String kind, String mode, String hash) {
    }

    private final Map<String, Line> entries = new HashMap<>();

    TreeDigest() {
    }

    void file(String path, boolean executable, String contentSha256) {
        entries.put(path, new Line("f", executable ? "0755" : "0644", contentSha256));
    }

    void link(String path, String target) {
        entries.put(path, new Line("l", "0777", Digests.sha256(target)));
    }

    /** At most this many links to directories are tried with and without a trailing slash (2^n digests). */
    private static final int MAX_AMBIGUOUS_LINKS = 8;

    /**
     * Whether a tree already on disk, read in full (every file hashed), has the digest {@code pin}: for cache
     * entries verified before they had a {@link TreeManifest}. Extraction writes link targets as the JDK
     * normalises them, dropping a trailing {@code /} the archive's text may have had, so each link to a directory
     * is tried both ways (up to {@value #MAX_AMBIGUOUS_LINKS} such links).
     */
    static boolean matches(Path root, String pin) throws IOException {
        TreeDigest d = new TreeDigest();
        List<String[]> dirLinks = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = root.relativize(file).toString();
                if (attrs.isSymbolicLink()) {
                    String target = Files.readSymbolicLink(file).toString();
                    d.link(rel, target);
                    if (Files.isDirectory(file) && dirLinks.size() < MAX_AMBIGUOUS_LINKS) {
                        dirLinks.add(new String[] {rel, target});
                    }
                } else if (attrs.isRegularFile()) {
                    d.file(rel, Files.getPosixFilePermissions(file).contains(PosixFilePermission.OWNER_EXECUTE),
                            Digests.sha256(file));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        for (int mask = 0; mask < 1 << dirLinks.size(); mask++) {
            for (int i = 0; i < dirLinks.size(); i++) {
                String[] l = dirLinks.get(i);
                d.link(l[0], (mask & 1 << i) == 0 ? l[1] : l[1] + "/");
            }
            if (d.digest("").equals(pin)) {
                return true;
            }
        }
        return false;
    }

    /** The content hash recorded for a file path, or null. */
    String contentOf(String path) {
        Line line = entries.get(path);
        return line == null || !line.kind().equals("f") ? null : line.hash();
    }

    /** The digest of the entries below the directory {@code top} ({@code ""}: all entries). */
    String digest(String top) {
        String prefix = top.isEmpty() ? "" : top + "/";
        List<String[]> selected = new ArrayList<>();
        for (Map.Entry<String, Line> e : entries.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                String rel = e.getKey().substring(prefix.length());
                Line l = e.getValue();
                selected.add(new String[] {rel, l.kind() + " " + l.mode() + " " + rel + " " + l.hash() + "\n"});
            }
        }
        selected.sort((a, b) -> Arrays.compareUnsigned(a[0].getBytes(StandardCharsets.UTF_8),
                b[0].getBytes(StandardCharsets.UTF_8)));
        MessageDigest md = Digests.sha256();
        for (String[] line : selected) {
            md.update(line[1].getBytes(StandardCharsets.UTF_8));
        }
        return Digests.hex(md.digest());
    }
}
