package io.github.unikernelfaas.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short host command to completion with a real timeout: both streams are drained on their own
 * threads, so a child that hangs with its stdout open is stopped when the time is up instead of
 * blocking the reader forever.
 */
public final class ProcessRunner {
    /** How long to wait for the readers once the child is gone (a grandchild may hold the pipe). */
    private static final long READER_JOIN_MILLIS = 5_000;

    /** Exit code and the last {@code maxBytes} of each stream. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    private ProcessRunner() {
    }

    /**
     * @param environment added to (and overriding) this process's environment; empty for none
     * @param maxBytes    how much of each stream to keep: its tail
     * @throws ProcessTimeoutException when the command did not finish in time (it and its children are stopped)
     * @throws IOException             when it cannot be started
     */
    public static Result run(List<String> command, Map<String, String> environment, Duration timeout, int maxBytes)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(environment);
        Process p = pb.start();
        p.getOutputStream().close();
        Tail out = new Tail(maxBytes);
        Tail err = new Tail(maxBytes);
        Thread outReader = drain(p.getInputStream(), out, command.get(0) + " stdout");
        Thread errReader = drain(p.getErrorStream(), err, command.get(0) + " stderr");
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                stop(p);
                throw new ProcessTimeoutException("`" + String.join(" ", command) + "` did not finish within "
                        + timeout.toSeconds() + " s and was stopped");
            }
        } catch (InterruptedException e) {
            stop(p);
            throw e;
        }
        outReader.join(READER_JOIN_MILLIS);
        errReader.join(READER_JOIN_MILLIS);
        return new Result(p.exitValue(), out.text(), err.text());
    }

    /** Children first: once the parent is gone they are no longer its descendants. */
    private static void stop(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static Thread drain(InputStream in, Tail tail, String name) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (in) {
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    tail.add(buf, n);
                }
            } catch (IOException ignored) {
                // The stream closes when the child is stopped; what was read is kept.
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The last maxBytes written. */
    private static final class Tail {
        private final int maxBytes;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Tail(int maxBytes) {
            this.maxBytes = maxBytes;
        }

        synchronized void add(byte[] buf, int n) {
            bytes.write(buf, 0, n);
            if (bytes.size() > 2 * maxBytes) {
                byte[] all = bytes.toByteArray();
                bytes.reset();
                bytes.write(all, all.length - maxBytes, maxBytes);
            }
        }

        synchronized String text() {
            byte[] all = bytes.toByteArray();
            int from = Math.max(0, all.length - maxBytes);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        }
    }
}
