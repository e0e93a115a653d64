package io.github.unikernelfaas.kernel;

import io.github.unikernelfaas.host.HostTool;
import io.github.unikernelfaas.host.ProcessRunner;
import io.github.unikernelfaas.host.ProcessTimeoutException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The host tools Unikraft's build runs, checked before make so a missing one is named up front. */
public final class Toolchain {
    /** program -> Debian/Ubuntu package that brings it. */
    static final Map<String, String> TOOLS = new LinkedHashMap<>();

    static {
        TOOLS.put("gcc", "gcc");
        TOOLS.put("make", "make");
        TOOLS.put("flex", "flex");
        TOOLS.put("bison", "bison");
        TOOLS.put("unzip", "unzip");
        TOOLS.put("patch", "patch");
        TOOLS.put("python3", "python3");
        TOOLS.put("tar", "tar");
        TOOLS.put("gzip", "gzip");
    }

    private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern MAKE_VERSION = Pattern.compile("GNU Make (\\d+)\\.(\\d+)");

    /** What the kernel cache key records of the compiler and make. */
    public record Versions(String gcc, String make) {
    }

    private Toolchain() {
    }

    /** Checks every tool and make >= 4.1 (make from PATH); returns the versions. */
    public static Versions check(String pathEnv) {
        return check(pathEnv, locateMake(null, pathEnv), VERSION_TIMEOUT);
    }

    /** Checks every tool and the given make (>= 4.1); returns the versions. */
    public static Versions check(String pathEnv, Path make) {
        return check(pathEnv, make, VERSION_TIMEOUT);
    }

    /**
     * The make binary: {@code configured} (unikernel.make: a name on PATH or a path), else make from PATH.
     * Fails naming the setting when the configured one is not there; null when make is neither set nor on PATH.
     */
    public static Path locateMake(String configured, String pathEnv) {
        boolean unset = configured == null || configured.isBlank();
        if (unset && HostTool.find("make", pathEnv).isEmpty()) {
            return null; // check() names it with the other missing tools
        }
        return HostTool.require(configured, "make", pathEnv, "unikernel.make",
                "Install GNU Make (sudo apt-get install make)");
    }

    static Versions check(String pathEnv, Path make, Duration versionTimeout) {
        List<String> missing = new ArrayList<>();
        List<String> packages = new ArrayList<>();
        TOOLS.forEach((tool, pkg) -> {
            boolean found = tool.equals("make") ? make != null : HostTool.find(tool, pathEnv).isPresent();
            if (!found) {
                missing.add(tool);
                packages.add(pkg);
            }
        });
        if (!missing.isEmpty()) {
            throw new KernelBuildException("Building the Unikraft kernel needs " + String.join(", ", missing)
                    + ", missing on this machine. Install with: sudo apt-get install " + String.join(" ", packages)
                    + " (or pass a prebuilt kernel with -Dunikernel.kernel=..."
                    + (make == null ? ", or a make elsewhere with -Dunikernel.make=/path/to/make" : "") + ")");
        }
        String makeVersion = firstLine(run(make, "--version", versionTimeout));
        checkMakeVersion(makeVersion);
        String gcc = firstLine(run(HostTool.find("gcc", pathEnv).orElseThrow(), "--version", versionTimeout));
        return new Versions(gcc, makeVersion);
    }

    static void checkMakeVersion(String versionLine) {
        Matcher m = MAKE_VERSION.matcher(versionLine);
        if (!m.find()) {
            throw new KernelBuildException("Unikraft needs GNU Make 4.1 or newer; `make --version` said: " + versionLine);
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        if (major < 4 || (major == 4 && minor < 1)) {
            throw new KernelBuildException("Unikraft needs GNU Make 4.1 or newer, this is " + m.group(1) + "."
                    + m.group(2) + ": install a newer make (sudo apt-get install make)");
        }
    }

    private static String run(Path program, String arg, Duration timeout) {
        try {
            ProcessRunner.Result r = ProcessRunner.run(List.of(program.toString(), arg), Map.of(), timeout,
                    64 * 1024);
            return r.stdout().isBlank() ? r.stderr() : r.stdout();
        } catch (ProcessTimeoutException e) {
            throw new KernelBuildException("Asking " + program + " for its version timed out: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new KernelBuildException("Could not run " + program + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelBuildException("Interrupted", e);
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
