package io.github.unikernelfaas.vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Finds a QEMU left behind by an earlier build of the same project (the JVM was killed before its
 * shutdown hook ran) through its {@link VmRecord}, and stops it. Only a live process whose command line still
 * names the VMM (and the project's {@code -name} tag, when the record has one) is touched, so a
 * recycled pid is never killed; and only when the build that started it (its owner) is gone: the VM of
 * a build of the same project that is still running is left alone, record and port included.
 *
 * <p>The record: the pid on the first line, then {@code name=<tag>}, {@code owner=<pid> <start millis>}
 * (the JVM that started it, and when that process started, so that a recycled owner pid is not taken
 * for it) and {@code project=<dir>} (for humans).
 */
public final class StaleVmSweeper {
    private StaleVmSweeper() {
    }

    static void record(Path pidFile, long pid) throws IOException {
        record(pidFile, pid, null, null);
    }

    /** A record owned by this JVM. */
    static void record(Path pidFile, long pid, String tag, Path project) throws IOException {
        record(pidFile, pid, tag, project, ProcessHandle.current());
    }

    /** Writes the record via a temp file and an atomic rename, so a sweep never reads half of one. */
    static void record(Path pidFile, long pid, String tag, Path project, ProcessHandle owner) throws IOException {
        StringBuilder sb = new StringBuilder().append(pid).append('\n');
        if (tag != null && !tag.isBlank()) {
            sb.append("name=").append(tag).append('\n');
        }
        sb.append("owner=").append(io.github.unikernelfaas.host.Owner.describe(owner)).append('\n');
        if (project != null) {
            sb.append("project=").append(project).append('\n');
        }
        Files.createDirectories(pidFile.toAbsolutePath().getParent());
        Path tmp = pidFile.resolveSibling(pidFile.getFileName() + ".tmp");
        Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, pidFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The pid a record names, or empty when it is missing or unreadable. */
    static Optional<Long> recordedPid(Path pidFile) {
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Returns the pid that was stopped, if any. */
    public static Optional<Long> sweep(Path pidFile, Vmm vmm, Consumer<String> log) {
        if (!Files.isRegularFile(pidFile)) {
            return Optional.empty();
        }
        Optional<Long> recorded = recordedPid(pidFile);
        if (recorded.isEmpty()) {
            deleteQuietly(pidFile);
            return Optional.empty();
        }
        long pid = recorded.get();
        String tag = field(pidFile, "name=");
        Optional<ProcessHandle> owner = liveOwner(field(pidFile, "owner="));
        if (owner.isPresent() && ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent()) {
            log.accept("Leaving " + vmm.name() + " (pid " + pid + ") alone: the build that started it (pid "
                    + owner.get().pid() + ") is still running (record " + pidFile + ")");
            return Optional.empty();
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        Optional<Long> stopped = Optional.empty();
        if (handle.isPresent() && isOurVmm(handle.get(), vmm, tag)) {
            log.accept("Stopping " + vmm.name() + " (pid " + pid + ") left running by an earlier build (record "
                    + pidFile + ")");
            handle.get().destroy();
            if (!waitGone(handle.get(), 3000)) {
                handle.get().destroyForcibly();
                waitGone(handle.get(), 5000);
            }
            stopped = Optional.of(pid);
        }
        deleteQuietly(pidFile);
        try {
            io.github.unikernelfaas.host.Trees.delete(LaunchPaths.besideRecord(pidFile)); // its links, never their targets
        } catch (IOException ignored) {
            // Links only: nothing lost.
        }
        return stopped;
    }

    /**
     * The owner a record names when it is another process that is still alive (and started when the
     * record says); empty for this JVM (a VM an earlier goal of ours left running is stale), a dead
     * owner, or none recorded (an older record).
     */
    static Optional<ProcessHandle> liveOwner(String owner) {
        return io.github.unikernelfaas.host.Owner.liveOther(owner);
    }

    private static String field(Path pidFile, String prefix) {
        try {
            for (String line : Files.readAllLines(pidFile, StandardCharsets.UTF_8)) {
                if (line.startsWith(prefix)) {
                    return line.substring(prefix.length());
                }
            }
        } catch (IOException ignored) {
            // No tag: the VMM match alone decides.
        }
        return null;
    }

    private static boolean isOurVmm(ProcessHandle h, Vmm vmm, String tag) {
        // The command line, not just the executable: QEMU may run under a wrapper or interpreter.
        return h.info().commandLine().or(() -> h.info().command())
                .map(c -> c.contains(vmm.processMatch()) && (tag == null || c.contains(tag)))
                .orElse(false);
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
