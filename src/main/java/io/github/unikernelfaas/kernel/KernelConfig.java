package io.github.unikernelfaas.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kconfig symbols the kernel needs, and the check that {@code make defconfig} kept them:
 * kconfig drops unknown or unsatisfiable symbols without a word.
 */
public final class KernelConfig {
    private final Map<String, String> symbols;

    private KernelConfig(Map<String, String> symbols) {
        this.symbols = symbols;
    }

    /**
     * The flavour's kconfig, then the user's extra lines (which may override a default).
     *
     * @param defaults the flavour's kconfig text
     */
    public static KernelConfig withExtras(String defaults, List<String> extraLines) {
        Map<String, String> symbols = new LinkedHashMap<>();
        parseInto(defaults, symbols);
        if (extraLines != null) {
            parseInto(String.join("\n", extraLines), symbols);
        }
        return new KernelConfig(symbols);
    }

    static void parseInto(String text, Map<String, String> symbols) {
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# CONFIG_") && line.endsWith(" is not set")) {
                symbols.put(line.substring(2, line.length() - " is not set".length()), "n");
            } else if (line.startsWith("#")) {
                continue;
            } else if (line.startsWith("CONFIG_") && line.indexOf('=') > 0) {
                int eq = line.indexOf('=');
                symbols.put(line.substring(0, eq), line.substring(eq + 1));
            } else {
                throw new KernelBuildException("Not a kconfig line: '" + raw + "' (unikernel.kconfig): write"
                        + " CONFIG_NAME=value or '# CONFIG_NAME is not set'");
            }
        }
    }

    public Map<String, String> symbols() {
        return Map.copyOf(symbols);
    }

    /** The defconfig file's text, in a stable order (it feeds the kernel cache key). */
    public String render() {
        StringBuilder sb = new StringBuilder();
        symbols.forEach((k, v) -> sb.append("n".equals(v) ? "# " + k + " is not set" : k + "=" + v).append('\n'));
        return sb.toString();
    }

    /** Symbols whose value in the resolved .config differs from what was asked, with what it became. */
    public List<String> dropped(Path dotConfig) {
        Map<String, String> actual = new LinkedHashMap<>();
        try {
            parseInto(Files.readString(dotConfig, StandardCharsets.UTF_8), actual);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + dotConfig, e);
        }
        List<String> dropped = new ArrayList<>();
        symbols.forEach((k, wanted) -> {
            String got = actual.getOrDefault(k, "n");
            if (!wanted.equals(got)) {
                dropped.add(k + "=" + wanted + (actual.containsKey(k) ? " (became " + got + ")" : " (missing)"));
            }
        });
        return dropped;
    }

    /** Fails naming every dropped symbol: a kernel without them would not boot the function. */
    public void verify(Path dotConfig) {
        List<String> dropped = dropped(dotConfig);
        if (!dropped.isEmpty()) {
            throw new KernelBuildException("make defconfig dropped " + dropped.size() + " kconfig symbol"
                    + (dropped.size() == 1 ? "" : "s") + " (unknown to these sources, or their dependencies are"
                    + " missing): " + String.join(", ", dropped) + ". Check the library list and versions, and"
                    + " any unikernel.kconfig lines; the resolved config is " + dotConfig);
        }
    }
}
