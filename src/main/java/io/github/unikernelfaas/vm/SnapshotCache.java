package io.github.unikernelfaas.vm;

import io.github.unikernelfaas.host.CacheLock;
import io.github.unikernelfaas.host.Trees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Saved VM states, one directory per key ({@code <dir>/<key>/state}, the QEMU migration stream, with
 * {@code inputs.txt} naming what the key covers and a {@code complete} marker holding the state's size).
 * An entry is written in a temp directory and renamed into place under a lock; only the newest
 * {@link #KEEP} (by last use) are kept.
 */
public final class SnapshotCache {
    /** A state is ~50 MB at -m 192 (what the guest touched): a few keys, e.g. the last edits of one function. */
    static final int KEEP = 3;
    static final String STATE = "state";
    static final String COMPLETE = "complete";
    static final String INPUTS = "inputs.txt";
    private static final Duration LOCK_WAIT = Duration.ofSeconds(60);

    /** Writes the state into the given file. */
    @FunctionalInterface
    public interface Saver {
        void save(Path file) throws IOException;
    }

    private final Path dir;

    public SnapshotCache(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** The complete saved state under {@code key}, if there is one; marks it used. */
    public Optional<Path> find(String key) {
        Path entry = dir.resolve(key);
        Path state = entry.resolve(STATE);
        try {
            long expected = Long.parseLong(Files.readString(entry.resolve(COMPLETE), StandardCharsets.UTF_8).trim());
            if (!Files.isRegularFile(state) || Files.size(state) != expected) {
                return Optional.empty();
            }
            Files.setLastModifiedTime(entry.resolve(COMPLETE), FileTime.from(Instant.now()));
            return Optional.of(state);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Saves a state under {@code key} unless another build has just done so, then drops the least recently
     * used entries beyond {@link #KEEP}. Returns the state's size in bytes.
     */
    public long store(String key, String inputs, Saver saver, Consumer<String> log) throws IOException,
            InterruptedException {
        Files.createDirectories(dir);
        try (CacheLock lock = CacheLock.acquire(dir.resolve(key + ".lock"), LOCK_WAIT, "saving VM state " + key, log)) {
            Optional<Path> there = find(key);
            if (there.isPresent()) {
                return Files.size(there.get());
            }
            Path tmp = Files.createTempDirectory(dir, ".tmp-" + key + "-");
            try {
                Path state = tmp.resolve(STATE);
                saver.save(state);
                long size = Files.isRegularFile(state) ? Files.size(state) : 0;
                if (size == 0) {
                    throw new IOException("QEMU wrote no state to " + state);
                }
                Files.writeString(tmp.resolve(INPUTS), inputs, StandardCharsets.UTF_8);
                Files.writeString(tmp.resolve(COMPLETE), size + "\n", StandardCharsets.UTF_8);
                Path entry = dir.resolve(key);
                if (Files.exists(entry)) {
                    Trees.delete(entry); // an incomplete one: find() said so
                }
                Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE);
                prune(key);
                return size;
            } finally {
                if (Files.exists(tmp)) {
                    Trees.delete(tmp);
                }
            }
        }
    }

    /** Drops the entry under {@code key} (a state that failed to restore). */
    public void remove(String key, Consumer<String> log) throws InterruptedException {
        try (CacheLock lock = CacheLock.acquire(dir.resolve(key + ".lock"), LOCK_WAIT, "dropping VM state " + key, log)) {
            Trees.delete(dir.resolve(key));
        } catch (IOException e) {
            log.accept("Could not delete " + dir.resolve(key) + ": " + e.getMessage());
        }
    }

    /** The least recently used entries beyond {@link #KEEP}, and temp directories of killed builds, go. */
    private void prune(String keep) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String name = p.getFileName().toString();
                if (name.startsWith(".tmp-") && Files.getLastModifiedTime(p).toInstant()
                        .isBefore(Instant.now().minus(Duration.ofHours(1)))) {
                    Trees.delete(p);
                } else if (Files.isDirectory(p) && !name.startsWith(".") && !name.equals(keep)) {
                    entries.add(p);
                }
            }
        }
        entries.sort(Comparator.comparing(SnapshotCache::lastUse).reversed());
        for (Path old : entries.subList(Math.min(entries.size(), KEEP - 1), entries.size())) {
            Trees.delete(old);
            Files.deleteIfExists(dir.resolve(old.getFileName() + ".lock"));
        }
    }

    private static FileTime lastUse(Path entry) {
        try {
            return Files.getLastModifiedTime(entry.resolve(COMPLETE));
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }
}
