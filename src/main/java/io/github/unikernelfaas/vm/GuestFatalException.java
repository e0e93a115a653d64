package io.github.unikernelfaas.vm;

import java.nio.file.Path;

/** The guest console showed a line after which the function will never answer (see {@link FatalLines}). */
public class GuestFatalException extends VmException {
    private final FatalLines.Fatal fatal;

    GuestFatalException(FatalLines.Fatal fatal, String message) {
        super(message);
        this.fatal = fatal;
        fatal.setting().ifPresent(this::setting);
    }

    /** The message: the cause and the fix, when it happened, and the console's tail. */
    static GuestFatalException of(FatalLines.Fatal fatal, String when, Path console) {
        return new GuestFatalException(fatal, fatal.message() + " (" + when + ")\n"
                + ConsoleLog.describeTail(console, Readiness.CONSOLE_TAIL_LINES));
    }

    public FatalLines.Fatal fatal() {
        return fatal;
    }
}
