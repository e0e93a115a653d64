package io.github.unikernelfaas.rootfs;

import io.github.unikernelfaas.guest.GuestContract;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where things live in fs0, the guest's root filesystem (see {@link GuestContract}).
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
        return pythonHome().resolve(GuestContract.APP_DIR);
    }

    public Path sitePackages() {
        return pythonHome().resolve(GuestContract.SITE_PACKAGES_DIR);
    }

    public Path dev() {
        return root.resolve(GuestContract.DEV_DIR);
    }

    public Path tmp() {
        return root.resolve(GuestContract.TMP_DIR);
    }
}
