package io.github.unikernelfaas.rootfs;

import io.github.unikernelfaas.guest.GuestContract;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The wrapper's settings that travel in fs0 ({@code app/ukfaas-settings.json}), so that every guest and every
 * image gets them whatever its command line: the handler time limit (setting unikernel.handlerTimeout) and the
 * request and response size limits (unikernel.maxEventBytes, unikernel.maxResponseBytes).
 *
 * @param handlerTimeout   seconds a handler may run before its request is answered 504; 0 for no limit
 * @param maxEventBytes    bytes a request body may have (else 413): the wrapper's --max-body
 * @param maxResponseBytes bytes a handler's answer may have (else 500): the wrapper's --max-response
 */
public record WrapperSettings(BigDecimal handlerTimeout, long maxEventBytes, long maxResponseBytes) {
    public static final String FILE = GuestContract.SETTINGS_FILE;
    public static final String HANDLER_TIMEOUT = "unikernel.handlerTimeout";
    public static final String MAX_EVENT_BYTES = "unikernel.maxEventBytes";
    public static final String MAX_RESPONSE_BYTES = "unikernel.maxResponseBytes";
    /** The wrapper's own default for both limits (6 MiB): left out of the file, so default builds keep its bytes. */
    public static final long DEFAULT_BYTES = 6_291_456;
    /** Past this a 64-bit guest of any memory we boot could not hold the body, let alone a copy of it. */
    static final long MAX_BYTES = 1L << 40;
    private static final BigDecimal MAX = BigDecimal.valueOf(1_000_000);

    public WrapperSettings {
        if (handlerTimeout == null || handlerTimeout.signum() < 0 || handlerTimeout.compareTo(MAX) >= 0) {
            throw new FunctionException(HANDLER_TIMEOUT + " is " + handlerTimeout + ": it must be a number of"
                    + " seconds from 0 (no limit) to 999999").setting(HANDLER_TIMEOUT);
        }
        handlerTimeout = handlerTimeout.stripTrailingZeros();
        checkBytes(MAX_EVENT_BYTES, maxEventBytes);
        checkBytes(MAX_RESPONSE_BYTES, maxResponseBytes);
    }

    /** From the time limit's text, e.g. "60" or "2.5", with the default size limits. */
    public static WrapperSettings parse(String handlerTimeout) {
        return parse(handlerTimeout, String.valueOf(DEFAULT_BYTES), String.valueOf(DEFAULT_BYTES));
    }

    /** From the settings' texts; a clear error naming the setting for anything else. */
    public static WrapperSettings parse(String handlerTimeout, String maxEventBytes, String maxResponseBytes) {
        String text = handlerTimeout == null ? "" : handlerTimeout.trim();
        BigDecimal timeout;
        try {
            timeout = new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw new FunctionException(HANDLER_TIMEOUT + " must be a number of seconds from 0 (no limit) to"
                    + " 999999, not '" + handlerTimeout + "'").setting(HANDLER_TIMEOUT);
        }
        return new WrapperSettings(timeout, bytes(MAX_EVENT_BYTES, maxEventBytes),
                bytes(MAX_RESPONSE_BYTES, maxResponseBytes));
    }

    private static long bytes(String setting, String text) {
        try {
            return Long.parseLong(text == null ? "" : text.trim());
        } catch (NumberFormatException e) {
            throw (FunctionException) new FunctionException(setting + " must be a whole number of bytes, not '" + text
                    + "'").setting(setting);
        }
    }

    private static void checkBytes(String setting, long value) {
        if (value < 1 || value > MAX_BYTES) {
            throw (FunctionException) new FunctionException(setting + " must be a number of bytes from 1 to " + MAX_BYTES
                    + ", not " + value).setting(setting);
        }
    }

    /** The JSON the wrapper reads: one line, the same bytes for the same settings. */
    public String json() {
        StringBuilder json = new StringBuilder("{\"handlerTimeout\": ").append(handlerTimeout.toPlainString());
        if (maxEventBytes != DEFAULT_BYTES) {
            json.append(", \"maxEventBytes\": ").append(maxEventBytes);
        }
        if (maxResponseBytes != DEFAULT_BYTES) {
            json.append(", \"maxResponseBytes\": ").append(maxResponseBytes);
        }
        return json.append("}\n").toString();
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
