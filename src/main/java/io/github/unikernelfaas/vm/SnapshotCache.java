package io.github.unikernelfaas.vm;

import io.github.unikernelfaas.host.CacheLock;
import io.github.unikernelfaas.host.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import java.util.function.ToLongFunction;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
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
 * {@code inputs.txt} naming what the key covers, {@code state.hmac} its HMAC-SHA256 under the cache's own key
 * ({@value #MAC_KEY}, owner-only) and a {@code complete} marker holding the state's size). An entry is written
 * in a temp directory and renamed into place under a lock; only the newest {@link #KEEP} (by last use) are
 * kept. A state is restored only when its size and MAC match: a truncated or altered state is dropped, and
 * the caller says why.
 */
public final class SnapshotCache {
    /** A state is ~50 MB at -m 192 (what the guest touched): a few keys, e.g. the last edits of one function. */
    static final int KEEP = 3;
    static final String STATE = "state";
    static final String COMPLETE = "complete";
    static final String INPUTS = "inputs.txt";
    static final String MAC = "state.hmac";
    static final String MAC_KEY = "mac.key";
    private static final String HMAC = "HmacSHA256";
    private static final Duration LOCK_WAIT = Duration.ofSeconds(60);

    /** Writes the state into the given file. */
    @FunctionalInterface
    public interface Saver {
        void save(Path file) throws IOException;
    }

    /** A saved state ready to restore, or why the entry under the key cannot be (empty for no entry at all). */
    public record Lookup(Optional<Path> state, Optional<String> unusable) {
        static Lookup none() {
            return new Lookup(Optional.empty(), Optional.empty());
        }

        static Lookup unusable(String why) {
            return new Lookup(Optional.empty(), Optional.of(why));
        }
    }

    private final Path dir;
    private final ToLongFunction<Path> usableSpace;

    public SnapshotCache(Path dir) {
        this(dir, SnapshotCache::usableSpace);
    }

    /** @param usableSpace the bytes a directory's file system has free (tests fill a disk with it) */
    SnapshotCache(Path dir, ToLongFunction<Path> usableSpace) {
        this.dir = dir;
        this.usableSpace = usableSpace;
    }

    public Path dir() {
        return dir;
    }

    /** The complete saved state under {@code key}, if there is one whose size matches and that has a MAC; marks it used. */
    public Optional<Path> find(String key, String inputs) {
        return lookup(key, inputs).state();
    }

    /**
     * The saved state under {@code key} for {@code inputs}, or why it cannot be restored (no completion marker,
     * another size, no MAC); marks it used. The MAC itself is checked by {@link #verify}.
     */
    public Lookup lookup(String key, String inputs) {
        Path entry = dir.resolve(key);
        if (!Files.isDirectory(entry)) {
            return Lookup.none();
        }
        Path state = entry.resolve(STATE);
        long expected;
        try {
            expected = Long.parseLong(Files.readString(entry.resolve(COMPLETE), StandardCharsets.UTF_8).trim());
        } catch (IOException | NumberFormatException e) {
            return Lookup.unusable("the entry has no completion marker (a save that was cut short)");
        }
        try {
            if (!Files.isRegularFile(state)) {
                return Lookup.unusable("the state file is missing");
            }
            long size = Files.size(state);
            if (size != expected) {
                return Lookup.unusable("the state is " + size + " bytes where " + expected + " were saved (truncated"
                        + " or overwritten)");
            }
            if (!Files.isRegularFile(entry.resolve(MAC))) {
                return Lookup.unusable("it has no MAC (saved by an older plugin)");
            }
            if (readMacKey().isEmpty()) {
                return Lookup.unusable("the cache's MAC key " + dir.resolve(MAC_KEY) + " is gone");
            }
            Files.setLastModifiedTime(entry.resolve(COMPLETE), FileTime.from(Instant.now()));
            return new Lookup(Optional.of(state), Optional.empty());
        } catch (IOException e) {
            return Lookup.unusable("it cannot be read: " + e.getMessage());
        }
    }

    /**
     * Why the state under {@code key} must not run, if it must not: its MAC does not match (it was changed
     * after it was saved, or saved for other inputs). Reads the whole state (~0.1 s for 50 MB): the restore
     * runs it while QEMU loads the state, and lets the guest run only after it.
     */
    public Optional<String> verify(String key, String inputs) {
        Path entry = dir.resolve(key);
        try {
            Optional<byte[]> macKey = readMacKey();
            if (macKey.isEmpty()) {
                return Optional.of("the cache's MAC key " + dir.resolve(MAC_KEY) + " is gone");
            }
            String saved = Files.readString(entry.resolve(MAC), StandardCharsets.UTF_8).trim();
            if (!MessageDigest.isEqual(saved.getBytes(StandardCharsets.US_ASCII),
                    mac(macKey.get(), key, inputs, entry.resolve(STATE)).getBytes(StandardCharsets.US_ASCII))) {
                return Optional.of("the state does not match its MAC: it was changed after it was saved");
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("its MAC cannot be checked: " + e.getMessage());
        }
    }

    /**
     * Saves a state under {@code key} unless another build has just done so, then drops the least recently
     * used entries beyond {@link #KEEP}. Returns the state's size in bytes.
     *
     * @param room the most bytes the state can take (the guest's memory): a disk with less free fails at once
     */
    public long store(String key, String inputs, long room, Saver saver, Consumer<String> log) throws IOException,
            InterruptedException {
        makeDir();
        try (CacheLock lock = CacheLock.acquire(dir.resolve(key + ".lock"), LOCK_WAIT, "saving VM state " + key, log)) {
            Optional<Path> there = find(key, inputs);
            if (there.isPresent()) {
                return Files.size(there.get());
            }
            long free = usableSpace.applyAsLong(dir);
            if (free < room) {
                throw noSpace(free, room, null);
            }
            byte[] macKey = macKey();
            Path tmp = Files.createTempDirectory(dir, ".tmp-" + key + "-");
            try {
                Path state = tmp.resolve(STATE);
                try {
                    saver.save(state);
                } catch (IOException e) {
                    // A full disk shows as QEMU's broken pipe: the temp entry still holds what filled it.
                    long left = usableSpace.applyAsLong(dir);
                    if (left < FULL || String.valueOf(e.getMessage()).contains("No space left")) {
                        throw noSpace(left, room, e);
                    }
                    throw e;
                }
                long size = Files.isRegularFile(state) ? Files.size(state) : 0;
                if (size == 0) {
                    throw new IOException("QEMU wrote no state to " + state);
                }
                Files.writeString(tmp.resolve(INPUTS), inputs, StandardCharsets.UTF_8);
                Files.writeString(tmp.resolve(MAC), mac(macKey, key, inputs, state) + "\n", StandardCharsets.UTF_8);
                Files.writeString(tmp.resolve(COMPLETE), size + "\n", StandardCharsets.UTF_8);
                Path entry = dir.resolve(key);
                if (Files.exists(entry)) {
                    Trees.delete(entry); // an unusable one: lookup() said why
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

    /** Less than this free after a failed save: the disk filled up. */
    static final long FULL = 1 << 20;

    private IOException noSpace(long free, long room, IOException cause) {
        String where = dir.toAbsolutePath().toString();
        try {
            where = where + " (" + Files.getFileStore(dir).name() + ")";
        } catch (IOException ignored) {
            // The directory alone says enough.
        }
        IOException e = new IOException("no space left on " + where + ": " + (free >> 20) + " MB free, a state takes"
                + " up to " + (room >> 20) + " MB (the guest's memory); free some space or set -D" + WarmStart.PROPERTY
                + "=false");
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    private static long usableSpace(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE; // unknown: let the save say what goes wrong
        }
    }

    /** The cache directory, owner-only when we make it: states are guest RAM. */
    private void makeDir() throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir.toAbsolutePath().getParent());
            try {
                Files.createDirectory(dir, OWNER_ONLY_DIR);
            } catch (FileAlreadyExistsException raced) {
                // Another build made it.
            }
        }
    }

    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY_DIR =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private Optional<byte[]> readMacKey() {
        try {
            byte[] k = Files.readAllBytes(dir.resolve(MAC_KEY));
            return k.length == 32 ? Optional.of(k) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The cache's MAC key: 32 random bytes, made owner-only on first use (a link, so two builds agree on one). */
    private byte[] macKey() throws IOException {
        Optional<byte[]> there = readMacKey();
        if (there.isPresent()) {
            return there.get();
        }
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        Path tmp = dir.resolve(MAC_KEY + "." + ProcessHandle.current().pid() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, OWNER_ONLY_FILE);
        Files.write(tmp, k);
        try {
            if (Files.exists(dir.resolve(MAC_KEY)) && readMacKey().isEmpty()) {
                Files.delete(dir.resolve(MAC_KEY)); // a damaged one: the states it signed become unusable
            }
            Files.createLink(dir.resolve(MAC_KEY), tmp);
        } catch (FileAlreadyExistsException raced) {
            return readMacKey().orElseThrow(() -> new IOException("unreadable MAC key " + dir.resolve(MAC_KEY)));
        } finally {
            Files.deleteIfExists(tmp);
        }
        return k;
    }

    /** HMAC-SHA256 of the key and inputs (so an entry cannot pass for another key's) and the state's bytes. */
    static String mac(byte[] macKey, String key, String inputs, Path state) throws IOException {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(macKey, HMAC));
            mac.update(("unikernel-faas state\n" + key + "\n" + inputs + "\0").getBytes(StandardCharsets.UTF_8));
            byte[] buf = new byte[1 << 20];
            try (InputStream in = Files.newInputStream(state)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    mac.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(mac.doFinal());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("Every Java 17 has " + HMAC, e);
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
