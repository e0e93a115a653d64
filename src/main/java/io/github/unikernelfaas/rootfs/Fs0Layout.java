package io.github.unikernelfaas.rootfs;

import java.nio.file.Path;

/** Where things live in fs0, the guest's root filesystem (DESIGN.md, guest contract). */
public record Fs0Layout(Path root) {
    public static final String PYTHON_LIB = "lib/python3.7";

    public Path pythonLib() {
        return root.resolve(PYTHON_LIB);
    }

    /** The user's code and our wrapper. */
    public Path app() {
        return pythonLib().resolve("app");
    }

    public Path sitePackages() {
        return pythonLib().resolve("site-packages");
    }

    public Path dev() {
        return root.resolve("dev");
    }

    public Path tmp() {
        return root.resolve("tmp");
    }
}
