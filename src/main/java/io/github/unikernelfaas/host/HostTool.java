package io.github.unikernelfaas.host;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds a host program on PATH (or at a configured path), or says how to install it. */
public final class HostTool {
    private HostTool() {
    }

    /**
     * @param configured  an explicit path or program name from the POM, or null for {@code defaultName}
     * @param property    the setting that overrides it, named in the error
     * @param installHint how to install it, e.g. "sudo apt-get install python3"
     */
    public static Path require(String configured, String defaultName, String pathEnv, String property,
            String installHint) {
        String name = configured == null || configured.isBlank() ? defaultName : configured.trim();
        if (name.contains(File.separator)) {
            Path p = Path.of(name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
            throw new HostToolException(p + " (" + property + ") does not exist or is not executable");
        }
        return find(name, pathEnv).orElseThrow(() -> new HostToolException(name + " was not found on PATH. "
                + installHint + ", or point -D" + property + " at the program."));
    }

    public static Optional<Path> find(String name, String pathEnv) {
        if (pathEnv == null) {
            return Optional.empty();
        }
        for (String dir : pathEnv.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }
}
