package io.github.unikernelfaas.source;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which paths of an archive to leave out, as glob patterns on {@code /}-separated relative paths: {@code *}
 * and {@code ?} stay within one segment, {@code **} spans any number of segments. A pattern that matches a
 * directory drops everything below it, so {@code usr/share/doc} and {@code **}{@code /__pycache__} need no
 * trailing {@code /**}.
 */
public final class PathFilter {
    /** Keeps everything. */
    public static final PathFilter NONE = new PathFilter(List.of());

    private final List<String> patterns;
    private final List<Pattern> regexes;

    private PathFilter(List<String> patterns) {
        this.patterns = List.copyOf(patterns);
        List<Pattern> list = new ArrayList<>();
        for (String p : this.patterns) {
            list.add(Pattern.compile(toRegex(p)));
        }
        this.regexes = List.copyOf(list);
    }

    /**
     * A filter dropping what these patterns match.
     *
     * @throws SourceException for an empty, absolute or {@code ..} pattern (it could never match)
     */
    public static PathFilter drop(List<String> patterns) {
        for (String p : patterns) {
            if (p == null || p.isBlank() || p.startsWith("/") || p.endsWith("/") || p.contains("\\")
                    || List.of(p.split("/")).contains("..")) {
                throw new SourceException("Invalid drop pattern '" + p + "': use a relative path glob such as"
                        + " usr/share/doc or **/__pycache__ (no leading or trailing '/', no '..')");
            }
        }
        return patterns.isEmpty() ? NONE : new PathFilter(patterns);
    }

    /** This filter and {@code other}'s patterns together. */
    public PathFilter and(PathFilter other) {
        List<String> all = new ArrayList<>(patterns);
        for (String p : other.patterns) {
            if (!all.contains(p)) {
                all.add(p);
            }
        }
        return drop(all);
    }

    /** The patterns, in order. */
    public List<String> patterns() {
        return patterns;
    }

    /** Whether {@code path} (relative, {@code /}-separated, no {@code .} or {@code ..}) or a parent is dropped. */
    public boolean drops(String path) {
        if (regexes.isEmpty()) {
            return false;
        }
        int from = 0;
        while (true) {
            int slash = path.indexOf('/', from);
            String prefix = slash < 0 ? path : path.substring(0, slash);
            for (Pattern r : regexes) {
                if (r.matcher(prefix).matches()) {
                    return true;
                }
            }
            if (slash < 0) {
                return false;
            }
            from = slash + 1;
        }
    }

    private static String toRegex(String glob) {
        StringBuilder r = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                i++;
                if (i + 1 < glob.length() && glob.charAt(i + 1) == '/') {
                    i++;
                    r.append("(?:.*/)?"); // "**/" also matches no directory at all
                } else {
                    r.append(".*");
                }
            } else if (c == '*') {
                r.append("[^/]*");
            } else if (c == '?') {
                r.append("[^/]");
            } else {
                r.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return r.toString();
    }

    @Override
    public String toString() {
        return patterns.toString();
    }
}
