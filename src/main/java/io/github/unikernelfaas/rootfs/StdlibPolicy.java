package io.github.unikernelfaas.rootfs;

import io.github.unikernelfaas.kernel.KernelKind;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Whether fs0 gets CPython's standard library (setting unikernel.stdlib). A Unikraft kernel's CPython finds
 * it only in fs0 and aborts at start without it ("No module named 'encodings'"); a Linux guest such as our
 * CI test kernel runs a Python that brings its own.
 */
public final class StdlibPolicy {
    public static final String PROPERTY = "unikernel.stdlib";

    /** auto: the plugin-built kernel and prebuilt kernels other than Linux get it; always; none. */
    public enum Mode {
        AUTO, ALWAYS, NONE;

        public static Mode parse(String value) {
            String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
            for (Mode m : values()) {
                if (m.name().toLowerCase(Locale.ROOT).equals(v)) {
                    return m;
                }
            }
            throw new StdlibException(PROPERTY + " must be auto, always or none, not '" + value + "'");
        }
    }

    /** @param install put the standard library into fs0; @param reason why, a clause for the build log */
    public record Decision(boolean install, String reason) {
    }

    private StdlibPolicy() {
    }

    /**
     * @param prebuiltKernel unikernel.kernel, or null when the plugin builds the Unikraft kernel
     */
    public static Decision decide(Mode mode, Path prebuiltKernel) {
        if (prebuiltKernel == null) {
            if (mode == Mode.NONE) {
                // Refused rather than warned: the image would be certain not to start.
                throw new StdlibException(PROPERTY + "=none, but the plugin builds the Unikraft kernel, whose CPython"
                        + " finds its standard library only in fs0: the guest would abort at start (\"No module"
                        + " named 'encodings'\"). Remove " + PROPERTY + " (default auto), or set unikernel.kernel to"
                        + " a kernel that brings its own Python.");
            }
            return new Decision(true, "the plugin-built Unikraft kernel needs it");
        }
        switch (mode) {
            case NONE:
                return new Decision(false, PROPERTY + "=none");
            case ALWAYS:
                return new Decision(true, PROPERTY + "=always");
            default:
                KernelKind kind = detect(prebuiltKernel);
                if (kind.linux()) {
                    return new Decision(false, prebuiltKernel + " is " + kind.description() + ", taken to bring its"
                            + " own Python; set " + PROPERTY + "=always if its guest needs fs0's");
                }
                return new Decision(true, prebuiltKernel + " is not a Linux kernel, so taken for a Unikraft kernel,"
                        + " whose CPython needs it; set " + PROPERTY + "=none if it brings its own");
        }
    }

    private static KernelKind detect(Path kernel) {
        try {
            return KernelKind.detect(kernel);
        } catch (IOException e) {
            String why = e instanceof NoSuchFileException ? "no such file" : e.getMessage();
            throw new StdlibException("Cannot read unikernel.kernel " + kernel + " (" + why + ") to tell whether it"
                    + " brings its own Python. Fix the path, or set " + PROPERTY + " to always or none.", e);
        }
    }
}
