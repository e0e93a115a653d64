package io.github.unikernelfaas.rootfs;

import io.github.unikernelfaas.host.Digests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * pip arguments as the requirements cache key sees them: what they name, not how they are spelt. A local
 * path or {@code file:} URL given to an option that takes one (--find-links DIR, -f, --index-url file:...,
 * --constraint FILE) stands for its content: a file by its sha256, a directory by the paths and sha256 of
 * the files under it (a find-links directory, or a file: index's tree). So {@code ${project.basedir}/../wheels} gives every
 * module the same key, and a wheel added to that directory gives a new one. A path that does not exist
 * stays a path, absolute and normalised (pip resolves relative ones against the build's directory, as here).
 */
final class PipArgs {
    private static final Set<String> PATH_OPTIONS = Set.of("-f", "--find-links", "-i", "--index-url",
            "--extra-index-url", "-c", "--constraint");
    private static final Pattern REMOTE = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://.*");

    private PipArgs() {
    }

    /** {@code args} with every path an option takes replaced by what it names. */
    static List<String> forKey(List<String> args) {
        List<String> out = new ArrayList<>(args.size());
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0 && PATH_OPTIONS.contains(a.substring(0, eq))) {
                out.add(a.substring(0, eq) + "=" + location(a.substring(eq + 1)));
            } else if (PATH_OPTIONS.contains(a) && i + 1 < args.size()) {
                out.add(a);
                out.add(location(args.get(++i)));
            } else {
                out.add(a);
            }
        }
        return out;
    }

    /** A pip location (index URL, find-links entry, constraints file) by what it names. */
    static String location(String value) {
        if (value == null || value.isBlank()) {
            return String.valueOf(value);
        }
        Path path;
        String v = value.strip();
        if (v.toLowerCase(Locale.ROOT).startsWith("file:")) {
            try {
                path = Path.of(URI.create(v));
            } catch (IllegalArgumentException e) {
                return v; // not a URL Java can map to a path: its text decides
            }
        } else if (REMOTE.matcher(v).matches()) {
            return v;
        } else {
            path = Path.of(v);
        }
        Path absolute = path.toAbsolutePath().normalize();
        try {
            if (Files.isDirectory(absolute)) {
                return "dir:" + directoryDigest(absolute);
            }
            if (Files.isRegularFile(absolute)) {
                return "file:" + sha256(Files.readAllBytes(absolute));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + absolute + " (a pip argument): " + e.getMessage(), e);
        }
        return "path:" + absolute;
    }

    private static String directoryDigest(Path dir) throws IOException {
        StringBuilder listing = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                listing.append(dir.relativize(f).toString().replace('\\', '/')).append(' ')
                        .append(sha256(Files.readAllBytes(f))).append('\n');
            }
        }
        return sha256(listing.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] bytes) {
        return Digests.sha256(bytes);
    }
}
