package io.github.unikernelfaas.source;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What an extracted tree looked like when it was verified: every file's and link's relative path, kind, exec
 * bit and size (a link's size is the length of its target). Checking it costs one stat per file and no
 * hashing, so it runs on every use of a cached tree and catches a truncated, deleted, added or retyped file.
 *
 * <p>Stored as lines {@code f <0644|0755> <size> <path>} and {@code l 0777 <size> <path>}, sorted by path;
 * backslash, newline and carriage return in a path are escaped ({@code \\}, {@code \n}, {@code \r}).
 */
final class TreeManifest {
    /** How many differences a message names; the rest are counted. */
    private static final int SHOWN = 3;

    private final Map<String, String> entries;

    private TreeManifest(Map<String, String> entries) {
        this.entries = entries;
    }

    /** The manifest of the tree below {@code root} as it is on disk (links are not followed). */
    static TreeManifest of(Path root) throws IOException {
        Map<String, String> entries = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                entries.put(root.relativize(file).toString().replace('\\', '/'), describe(file, attrs));
                return FileVisitResult.CONTINUE;
            }
        });
        return new TreeManifest(entries);
    }

    private static String describe(Path file, BasicFileAttributes attrs) throws IOException {
        if (attrs.isSymbolicLink()) {
            return "l 0777 " + Files.readSymbolicLink(file).toString().getBytes(StandardCharsets.UTF_8).length;
        }
        if (!attrs.isRegularFile()) {
            return "? 0000 0"; // never extracted by us: a difference whatever the manifest says
        }
        // On Linux the walk's attributes are POSIX ones already: no second stat for the exec bit.
        boolean exec = attrs instanceof PosixFileAttributes p
                ? p.permissions().contains(PosixFilePermission.OWNER_EXECUTE)
                : Files.isExecutable(file);
        return "f " + (exec ? "0755 " : "0644 ") + attrs.size();
    }

    static TreeManifest parse(List<String> lines) {
        Map<String, String> entries = new TreeMap<>();
        for (String line : lines) {
            String[] parts = line.split(" ", 4);
            if (parts.length == 4) {
                entries.put(unescape(parts[3]), parts[0] + " " + parts[1] + " " + parts[2]);
            }
        }
        return new TreeManifest(entries);
    }

    List<String> lines() {
        List<String> lines = new ArrayList<>(entries.size());
        entries.forEach((path, what) -> lines.add(what + " " + escape(path)));
        return lines;
    }

    int size() {
        return entries.size();
    }

    /** How the tree below {@code root} differs from this manifest (a few named, the rest counted), if it does. */
    Optional<String> differences(Path root) throws IOException {
        Map<String, String> actual = of(root).entries;
        List<String> found = new ArrayList<>();
        int count = 0;
        for (Map.Entry<String, String> e : entries.entrySet()) {
            String now = actual.get(e.getKey());
            if (!e.getValue().equals(now)) {
                if (count++ < SHOWN) {
                    found.add(e.getKey() + (now == null ? " is missing" : " is '" + now + "', was '" + e.getValue() + "'"));
                }
            }
        }
        for (String path : actual.keySet()) {
            if (!entries.containsKey(path) && count++ < SHOWN) {
                found.add(path + " was added");
            }
        }
        if (count == 0) {
            return Optional.empty();
        }
        return Optional.of(String.join("; ", found) + (count > SHOWN ? " and " + (count - SHOWN) + " more" : ""));
    }

    private static String escape(String path) {
        return path.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r");
    }

    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                sb.append(n == 'n' ? '\n' : n == 'r' ? '\r' : n);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
