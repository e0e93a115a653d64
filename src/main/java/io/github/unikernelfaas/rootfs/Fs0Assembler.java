package io.github.unikernelfaas.rootfs;

import io.github.unikernelfaas.guest.GuestContract;
import io.github.unikernelfaas.host.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Lays out fs0: the user's code and our wrapper in {@code <python lib>/app}, an empty
 * {@code site-packages}, and the empty {@code /dev} and {@code /tmp} the kernel mounts over.
 * The app directory is rebuilt from scratch each time so deleted modules do not linger.
 */
public final class Fs0Assembler {
    public static final String WRAPPER = GuestContract.WRAPPER_FILE;

    private Fs0Assembler() {
    }

    /** Returns the files copied into the app directory, relative to it, sorted; no settings file. */
    public static List<String> assemble(Path sourceDir, Fs0Layout fs0) {
        return assemble(sourceDir, fs0, null);
    }

    /** As {@link #assemble(Path, Fs0Layout)}, plus the wrapper's settings file when {@code settings} is given. */
    public static List<String> assemble(Path sourceDir, Fs0Layout fs0, WrapperSettings settings) {
        try {
            if (Files.isRegularFile(sourceDir.resolve(WRAPPER))) {
                throw new FunctionException(sourceDir.resolve(WRAPPER) + " would replace the unikernel-faas wrapper,"
                        + " which serves your handler: rename that module");
            }
            if (settings != null && WrapperSettings.clashes(sourceDir)) {
                throw new FunctionException(sourceDir.resolve(WrapperSettings.FILE) + " would replace the wrapper's"
                        + " settings (" + WrapperSettings.HANDLER_TIMEOUT + "): rename that file");
            }
            Trees.delete(fs0.app());
            Files.createDirectories(fs0.app());
            Files.createDirectories(fs0.sitePackages());
            Files.createDirectories(fs0.dev());
            Files.createDirectories(fs0.tmp());
            List<String> copied = Trees.copy(sourceDir, fs0.app(), Fs0Assembler::skipped);
            try (InputStream wrapper = Fs0Assembler.class.getResourceAsStream(WRAPPER)) {
                Files.copy(wrapper, fs0.app().resolve(WRAPPER), StandardCopyOption.REPLACE_EXISTING);
            }
            if (settings != null) {
                settings.write(fs0);
            }
            return copied;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not assemble fs0 in " + fs0.root() + ": " + e.getMessage(), e);
        }
    }


    static boolean skipped(Path p) {
        String name = p.getFileName().toString();
        return name.startsWith(".") || name.equals("__pycache__") || name.endsWith(".pyc");
    }

}
