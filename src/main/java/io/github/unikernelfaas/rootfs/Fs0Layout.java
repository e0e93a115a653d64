package io.github.unikernelfaas.rootfs;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where things live in fs0, the guest's root filesystem (DESIGN.md, guest contract).
 *
 * @param pythonLib the guest Python's lib dir relative to fs0 (the flavour's, e.g. lib/python3.7)
 */
public record Fs0Layout(Path root, String pythonLib) {
    public Fs0Layout {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(pythonLib, "pythonLib");
    }

    /** The guest's PYTHONHOME: the standard library, with the app and site-packages below it. */
    public Path pythonHome() {
        return root.resolve(pythonLib);
    }

    /** The user's code and our wrapper. */
    public Path app() {
        return pythonHome().resolve("app");
    }

    public Path sitePackages() {
        return pythonHome().resolve("site-packages");
    }

    public Path dev() {
        return root.resolve("dev");
    }

    public Path tmp() {
        return root.resolve("tmp");
    }
}
