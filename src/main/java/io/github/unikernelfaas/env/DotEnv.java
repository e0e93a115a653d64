package io.github.unikernelfaas.env;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code .env} file: {@code NAME=value} lines; blank lines and {@code #} comments skipped; an optional
 * {@code export } prefix; a value in single quotes is taken as written, one in double quotes understands
 * {@code \n}, {@code \t}, {@code \"} and {@code \\}; an unquoted value is trimmed and keeps any {@code =} and
 * {@code #} it holds (no inline comments, so a URL or a token is never cut).
 */
public final class DotEnv {
    private DotEnv() {
    }

    /** The file's variables in file order; no file, no variables. */
    public static Map<String, String> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return Map.of();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + file + " (UTF-8 expected)", e);
        }
        return parse(lines, file.toString());
    }

    static Map<String, String> parse(List<String> lines, String source) {
        Map<String, String> vars = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring("export ".length()).stripLeading();
            }
            String where = source + ":" + (i + 1);
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new EnvException(where + ": expected NAME=value, got: " + line);
            }
            String name = Names.check(line.substring(0, eq).strip(), where);
            vars.put(name, value(line.substring(eq + 1).strip(), where));
        }
        return vars;
    }

    private static String value(String raw, String where) {
        if (raw.length() >= 2 && raw.startsWith("'") && raw.endsWith("'")) {
            return raw.substring(1, raw.length() - 1);
        }
        if (raw.startsWith("\"")) {
            if (raw.length() < 2 || !raw.endsWith("\"")) {
                throw new EnvException(where + ": the double-quoted value has no closing quote");
            }
            StringBuilder b = new StringBuilder();
            for (int i = 1; i < raw.length() - 1; i++) {
                char c = raw.charAt(i);
                if (c == '\\' && i + 1 < raw.length() - 1) {
                    char n = raw.charAt(++i);
                    b.append(switch (n) {
                        case 'n' -> '\n';
                        case 't' -> '\t';
                        case 'r' -> '\r';
                        default -> n;
                    });
                } else {
                    b.append(c);
                }
            }
            return b.toString();
        }
        return raw;
    }
}
