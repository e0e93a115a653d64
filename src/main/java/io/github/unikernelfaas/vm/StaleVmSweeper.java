package io.github.unikernelfaas.vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Finds a QEMU left behind by an earlier build of the same project (the JVM was killed before its
 * shutdown hook ran) through the pidfile, and stops it. Only a process that is still the VMM's
 * process is touched, so a recycled pid is never killed.
 */
public final class StaleVmSweeper {
    private StaleVmSweeper() {
    }

    static void record(Path pidFile, long pid) throws IOException {
        Path tmp = pidFile.resolveSibling(pidFile.getFileName() + ".tmp");
        Files.writeString(tmp, pid + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, pidFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Returns the pid that was stopped, if any. */
    public static Optional<Long> sweep(Path pidFile, Vmm vmm, Consumer<String> log) {
        if (!Files.isRegularFile(pidFile)) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            deleteQuietly(pidFile);
            return Optional.empty();
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        Optional<Long> stopped = Optional.empty();
        if (handle.isPresent() && isVmm(handle.get(), vmm)) {
            log.accept("Stopping " + vmm.name() + " (pid " + pid + ") left running by an earlier build");
            handle.get().destroy();
            if (!waitGone(handle.get(), 3000)) {
                handle.get().destroyForcibly();
                waitGone(handle.get(), 5000);
            }
            stopped = Optional.of(pid);
        }
        deleteQuietly(pidFile);
        return stopped;
    }

    private static boolean isVmm(ProcessHandle h, Vmm vmm) {
        // The command line, not just the executable: QEMU may run under a wrapper or interpreter.
        return h.info().commandLine().or(() -> h.info().command()).map(c -> c.contains(vmm.processMatch())).orElse(false);
    }

    private static boolean waitGone(ProcessHandle h, long millis) {
        try {
            h.onExit().get(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return !h.isAlive();
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // Nothing to lose: the next sweep checks the pid again.
        }
    }
}
