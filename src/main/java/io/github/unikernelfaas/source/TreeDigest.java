package io.github.unikernelfaas.source;

import java.nio.charset.StandardCharsets;
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
        entries.put(path, new Line("l", "0777", Hashes.sha256(target)));
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
        MessageDigest md = Hashes.sha256();
        for (String[] line : selected) {
            md.update(line[1].getBytes(StandardCharsets.UTF_8));
        }
        return Hashes.hex(md.digest());
    }
}
