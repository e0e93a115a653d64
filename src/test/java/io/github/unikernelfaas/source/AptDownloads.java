package io.github.unikernelfaas.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real Debian packages for tests, fetched at test time by the machine's own apt ({@code apt-get download}: the
 * configured Debian repositories, never anything else). Tests that need them are skipped, saying so, only where
 * apt-get is not installed; CI runs on Debian, where it is.
 */
public final class AptDownloads {
    private static final long TIMEOUT_SECONDS = 300;

    private AptDownloads() {
    }

    /** One downloaded package: its name, the .deb and its pool path in the Debian archive. */
    public record Deb(String name, Path file, String poolPath) {
        /** The package's URL in the Debian archive (what a flavour's sources.json pins). */
        public String archiveUrl() {
            return "https://deb.debian.org/debian/" + poolPath;
        }
    }

    /** Skips the calling test, naming the tool, when apt-get is not on the PATH. */
    public static void assumeAptGet() {
        assumeTrue(onPath("apt-get"), "apt-get is not installed: this test needs real Debian packages from the"
                + " machine's apt (run it on Debian, as CI does)");
    }

    /**
     * Downloads the packages (this machine's architecture, the candidate versions) into {@code dir}.
     *
     * @param source the source package of each, for its pool path (pool/main/&lt;initial&gt;/&lt;source&gt;/)
     */
    public static Map<String, Deb> download(Path dir, Map<String, String> source) throws Exception {
        assumeAptGet();
        Files.createDirectories(dir);
        List<String> command = new ArrayList<>(List.of("apt-get", "download", "-q"));
        command.addAll(source.keySet());
        Path log = dir.resolve("apt-get.log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("apt-get download did not finish in " + TIMEOUT_SECONDS + " s");
        }
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + " failed:\n" + read(log));
        Map<String, Deb> debs = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".deb")).toList()) {
                String name = f.getFileName().toString();
                String pkg = name.substring(0, name.indexOf('_'));
                String src = source.get(pkg);
                if (src != null) {
                    String initial = src.startsWith("lib") ? src.substring(0, 4) : src.substring(0, 1);
                    debs.put(pkg, new Deb(pkg, f, "pool/main/" + initial + "/" + src + "/" + name));
                }
            }
        }
        assertEquals(source.keySet(), debs.keySet(), () -> "apt-get download gave other files:\n" + read(log));
        return debs;
    }

    private static String read(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
