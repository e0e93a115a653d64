package io.github.unikernelfaas.rootfs;

import io.github.unikernelfaas.guest.GuestContract;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The wrapper's settings that travel in fs0 ({@code app/ukfaas-settings.json}), so that every guest and every
 * image gets them whatever its command line: the handler time limit (setting unikernel.handlerTimeout).
 *
 * @param handlerTimeout seconds a handler may run before its request is answered 504; 0 for no limit
 */
public record WrapperSettings(BigDecimal handlerTimeout) {
    public static final String FILE = GuestContract.SETTINGS_FILE;
    public static final String HANDLER_TIMEOUT = "unikernel.handlerTimeout";
    private static final BigDecimal MAX = BigDecimal.valueOf(1_000_000);

    public WrapperSettings {
        if (handlerTimeout == null || handlerTimeout.signum() < 0 || handlerTimeout.compareTo(MAX) >= 0) {
            throw new FunctionException(HANDLER_TIMEOUT + " must be a number of seconds from 0 (no limit) up to"
                    + " 999999, not " + handlerTimeout);
        }
        handlerTimeout = handlerTimeout.stripTrailingZeros();
    }

    /** From the setting's text, e.g. "60" or "2.5"; a clear error for anything else. */
    public static WrapperSettings parse(String handlerTimeout) {
        String text = handlerTimeout == null ? "" : handlerTimeout.trim();
        try {
            return new WrapperSettings(new BigDecimal(text));
        } catch (NumberFormatException e) {
            throw new FunctionException(HANDLER_TIMEOUT + " must be a number of seconds (0: no limit), not '"
                    + handlerTimeout + "'");
        }
    }

    /** The JSON the wrapper reads: one line, the same bytes for the same settings. */
    public String json() {
        return "{\"handlerTimeout\": " + handlerTimeout.toPlainString() + "}\n";
    }

    /** Writes {@value #FILE} into the app directory. */
    public void write(Fs0Layout fs0) throws IOException {
        Files.writeString(fs0.app().resolve(FILE), json(), StandardCharsets.UTF_8);
    }

    /** Whether a user's module would take the settings file's name. */
    static boolean clashes(Path sourceDir) {
        return Files.exists(sourceDir.resolve(FILE));
    }
}
