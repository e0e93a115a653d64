package io.github.unikernelfaas.source;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code .verified} marker of a cache entry: {@code key=value} lines (id, version, url, kind, value,
 * topDir, and file + fileSha256 for a kept archive), then, for an extracted tree, a line {@code manifest:}
 * followed by its {@link TreeManifest}. A marker without that section was written by an older version.
 *
 * @param manifest null when the marker has none
 */
record CacheMarker(Map<String, String> fields, TreeManifest manifest) {
    static final String NAME = ".verified";
    private static final String MANIFEST = "manifest:";

    static CacheMarker read(Path file) throws IOException {
        Map<String, String> fields = new LinkedHashMap<>();
        List<String> manifest = null;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (manifest != null) {
                manifest.add(line);
            } else if (line.equals(MANIFEST)) {
                manifest = new ArrayList<>();
            } else {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    fields.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
        }
        return new CacheMarker(fields, manifest == null ? null : TreeManifest.parse(manifest));
    }

    /** Writes via a temp file and an atomic rename: a reader sees the old marker or the new, never half. */
    void write(Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        fields.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        if (manifest != null) {
            sb.append(MANIFEST).append('\n');
            for (String line : manifest.lines()) {
                sb.append(line).append('\n');
            }
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    String get(String key) {
        return fields.get(key);
    }

    CacheMarker withManifest(TreeManifest m) {
        return new CacheMarker(fields, m);
    }
}
