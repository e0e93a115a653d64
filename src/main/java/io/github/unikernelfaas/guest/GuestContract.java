package io.github.unikernelfaas.guest;

/**
 * What the plugin and the in-guest wrapper (resource rootfs/wrapper.py) agree on: fs0's layout, the files
 * the plugin puts beside the wrapper, and the wrapper's HTTP endpoints. The Java side names these here
 * only; wrapper.py defines the same values as constants, and GuestContractTest fails when the two differ.
 * User-facing description: docs/guest-contract.md.
 */
public final class GuestContract {
    /** Below the flavour's Python lib dir: the function and our wrapper (a package: the start command imports app.wrapper). */
    public static final String APP_DIR = "app";
    /** Below the flavour's Python lib dir, beside {@link #APP_DIR}: the dependencies (wrapper.py: SITE_PACKAGES). */
    public static final String SITE_PACKAGES_DIR = "site-packages";
    /** fs0's empty mount points for the guest's devices and its RAM /tmp. */
    public static final String DEV_DIR = "dev";
    public static final String TMP_DIR = "tmp";

    /** Our wrapper, in the app directory. */
    public static final String WRAPPER_FILE = "wrapper.py";
    /** The user's entry file in the app directory; the wrapper imports it as a module of that name. */
    public static final String FUNCTION_FILE = "function.py";
    /** What the wrapper calls in it. */
    public static final String HANDLER = "handler";

    /** Build-time settings for the wrapper, in the app directory and so in the image (wrapper.py: SETTINGS_FILE). */
    public static final String SETTINGS_FILE = "ukfaas-settings.json";
    /** The run-time environment and secrets, in the app directory while a goal runs, never in the image (ENV_FILE). */
    public static final String ENV_FILE = "ukfaas-env.json";
    /** Changed by live reload; the wrapper re-imports the function when it changes (RELOAD_FILE). */
    public static final String RELOAD_FILE = "ukfaas-reload";

    /** GET: 200 when the wrapper serves (readiness, probes); one of wrapper.py's HEALTH_PATHS. */
    public static final String HEALTH_PATH = "/health";
    /** POST once after a warm-start restore: entropy and the host's clock (RESTORED_PATH). */
    public static final String RESTORED_PATH = "/_/restored";

    private GuestContract() {
    }
}
