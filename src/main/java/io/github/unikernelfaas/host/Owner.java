package io.github.unikernelfaas.host;

import java.util.Optional;

/**
 * The process that owns something on disk (a VM record, a run's private files), written as
 * {@code <pid> <start millis>}: the start time keeps a recycled pid from being taken for the owner.
 */
public final class Owner {
    private Owner() {
    }

    /** This JVM, as a record line. */
    public static String current() {
        return describe(ProcessHandle.current());
    }

    public static String describe(ProcessHandle p) {
        return p.pid() + " " + p.info().startInstant().map(i -> Long.toString(i.toEpochMilli())).orElse("-");
    }

    /**
     * The owner a record names when it is another process that is still alive (and started when the record
     * says); empty for this JVM (what an earlier goal of ours left is stale), a dead owner, or none recorded.
     */
    public static Optional<ProcessHandle> liveOther(String recorded) {
        if (recorded == null) {
            return Optional.empty();
        }
        String[] parts = recorded.trim().split(" ");
        long pid;
        try {
            pid = Long.parseLong(parts[0]);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (pid == ProcessHandle.current().pid()) {
            return Optional.empty();
        }
        String started = parts.length > 1 ? parts[1] : "-";
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> started.equals("-")
                || h.info().startInstant().map(i -> Long.toString(i.toEpochMilli()).equals(started)).orElse(true));
    }
}
