package io.github.unikernelfaas.rootfs;

import io.github.unikernelfaas.host.HostTool;
import io.github.unikernelfaas.host.HostToolException;
import io.github.unikernelfaas.host.ProcessRunner;
import io.github.unikernelfaas.host.ProcessTimeoutException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds a real CPython of the guest's version on the host: compiling with it is the exact check, where
 * the host's ast.parse(feature_version=...) lets some newer grammar through.
 */
public final class GuestPython {
    /** The setting's value that skips the search (the check then uses the host python3's ast alone). */
    public static final String NONE = "none";
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);

    private GuestPython() {
    }

    /**
     * @param setting unikernel.guestPython: blank to search, {@value #NONE} not to, else a program name or path
     *                that must be that version
     * @param version the guest's "major.minor", e.g. 3.7
     * @param home    where ~/.pyenv is looked for
     */
    public static Optional<Path> find(String setting, String version, String pathEnv, Path home) {
        if (setting != null && setting.trim().equalsIgnoreCase(NONE)) {
            return Optional.empty();
        }
        if (setting != null && !setting.isBlank()) {
            Path given = HostTool.require(setting, null, pathEnv, "unikernel.guestPython",
                    "Install CPython " + version + " (e.g. pyenv install " + version + ")");
            String actual = versionOf(given);
            if (!version.equals(actual)) {
                throw new HostToolException(given + " (unikernel.guestPython) is Python "
                        + (actual == null ? "of unknown version (it did not run)" : actual) + ", the guest's is "
                        + version + ": name a python" + version + ", or -Dunikernel.guestPython=" + NONE
                        + " to check without one");
            }
            return Optional.of(given);
        }
        for (Path candidate : candidates(version, pathEnv, home)) {
            if (version.equals(versionOf(candidate))) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** python3.7 on PATH, then pyenv's 3.7.x builds, newest first (a pyenv shim on PATH may not run). */
    static List<Path> candidates(String version, String pathEnv, Path home) {
        String program = "python" + version;
        List<Path> found = new ArrayList<>();
        HostTool.find(program, pathEnv).ifPresent(found::add);
        Path versions = home.resolve(".pyenv/versions");
        if (Files.isDirectory(versions)) {
            List<Path> dirs = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(versions, version + ".*")) {
                ds.forEach(dirs::add);
            } catch (IOException e) {
                return found; // an unreadable pyenv: search no further
            }
            dirs.sort(Comparator.comparing((Path p) -> patchLevel(p.getFileName().toString(), version)).reversed());
            for (Path dir : dirs) {
                Path p = dir.resolve("bin").resolve(program);
                if (Files.isExecutable(p)) {
                    found.add(p);
                }
            }
        }
        return found;
    }

    /** 16 of "3.7.16" (so 3.7.16 sorts above 3.7.9); -1 for a name like 3.7-dev. */
    static int patchLevel(String name, String version) {
        String rest = name.substring(version.length() + 1);
        int end = 0;
        while (end < rest.length() && end < 9 && Character.isDigit(rest.charAt(end))) {
            end++;
        }
        return end == 0 ? -1 : Integer.parseInt(rest.substring(0, end));
    }

    /** "major.minor" the program reports, or null when it does not run. */
    static String versionOf(Path python) {
        try {
            ProcessRunner.Result r = ProcessRunner.run(List.of(python.toString(), "-c",
                    "import sys; print('%d.%d' % sys.version_info[:2])"), Map.of(), PROBE_TIMEOUT, 4096);
            return r.exitCode() == 0 ? r.stdout().strip() : null;
        } catch (IOException | ProcessTimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
