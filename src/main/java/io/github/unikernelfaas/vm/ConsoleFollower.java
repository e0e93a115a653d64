package io.github.unikernelfaas.vm;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Follows the guest console log as it grows (like {@code tail -f}) and hands each complete line on, so
 * that {@code unikernel:run} shows the handler's prints and tracebacks as they happen. The log file
 * stays whole; this only reads it.
 */
public final class ConsoleFollower implements AutoCloseable {
    private static final long POLL_MILLIS = 100;
    private final Path file;
    private final Consumer<String> lines;
    private final Thread thread;
    private final StringBuilder partial = new StringBuilder();
    private long offset;
    private volatile boolean stop;

    private ConsoleFollower(Path file, long offset, Consumer<String> lines) {
        this.file = file;
        this.offset = offset;
        this.lines = lines;
        this.thread = new Thread(this::loop, "unikernel-faas-console");
        this.thread.setDaemon(true);
    }

    /** Follows {@code file} from its current end: what the boot already printed is not repeated. */
    public static ConsoleFollower fromEnd(Path file, Consumer<String> lines) throws IOException {
        ConsoleFollower f = new ConsoleFollower(file, Files.isRegularFile(file) ? Files.size(file) : 0, lines);
        f.thread.start();
        return f;
    }

    private void loop() {
        while (!stop) {
            poll();
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
        poll(); // what came in since the last poll
    }

    /** Reads what was appended and passes on every complete line (without its CR/LF). */
    synchronized void poll() {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            if (length < offset) {
                offset = 0; // the log was started anew (a restarted VM)
            }
            if (length == offset) {
                return;
            }
            byte[] buf = new byte[(int) Math.min(length - offset, 1 << 20)];
            raf.seek(offset);
            raf.readFully(buf);
            offset += buf.length;
            partial.append(new String(buf, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return; // not there yet, or gone: nothing to show
        }
        int nl;
        while ((nl = partial.indexOf("\n")) >= 0) {
            String line = partial.substring(0, nl);
            partial.delete(0, nl + 1);
            lines.accept(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
        }
    }

    @Override
    public void close() {
        stop = true;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        poll();
    }
}
