package io.github.unikernelfaas.source;

import java.io.PrintStream;

/** Where fetching reports to (the mojo adapts Maven's log). */
public interface FetchLog {
    void info(String message);

    void warn(String message);

    /**
     * A transient status line for a terminal; each call replaces the previous one, {@code null} clears it.
     * Only called when the resolver was told it runs on a terminal.
     */
    default void progress(String line) {
    }

    /** A log that drops everything. */
    static FetchLog silent() {
        return new FetchLog() {
            @Override
            public void info(String message) {
            }

            @Override
            public void warn(String message) {
            }
        };
    }

    /**
     * Wraps {@code log} so that {@link #progress} redraws one line on {@code terminal} with a carriage return,
     * and the line is cleared before any other message is logged.
     */
    static FetchLog withTerminalProgress(FetchLog log, PrintStream terminal) {
        return new FetchLog() {
            private int shown;

            @Override
            public synchronized void info(String message) {
                clear();
                log.info(message);
            }

            @Override
            public synchronized void warn(String message) {
                clear();
                log.warn(message);
            }

            @Override
            public synchronized void progress(String line) {
                if (line == null) {
                    clear();
                    return;
                }
                StringBuilder sb = new StringBuilder("\r").append(line);
                for (int i = line.length(); i < shown; i++) {
                    sb.append(' ');
                }
                terminal.print(sb);
                terminal.flush();
                shown = line.length();
            }

            private void clear() {
                if (shown > 0) {
                    terminal.print("\r" + " ".repeat(shown) + "\r");
                    terminal.flush();
                    shown = 0;
                }
            }
        };
    }
}
