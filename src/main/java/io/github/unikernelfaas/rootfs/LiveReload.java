package io.github.unikernelfaas.rootfs;

import io.github.unikernelfaas.guest.GuestContract;
import io.github.unikernelfaas.host.Trees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * unikernel:run's live loop: a daemon thread polls the function's sources (path, size, mtime: bounded and
 * portable, unlike WatchService on shared folders), and once a change has settled it checks the function
 * with {@link FunctionChecker}, copies the sources into fs0's app directory, refreshes their .pyc and
 * changes {@link #MARKER}, which the wrapper stats before each request (9p root: the guest re-imports the
 * function; the initrd root needs a restart, which the listener does). A refused change leaves fs0 alone.
 */
public final class LiveReload implements AutoCloseable {
    /** The file the wrapper watches (wrapper.py's RELOAD_FILE). */
    public static final String MARKER = GuestContract.RELOAD_FILE;
    /** Files of ours in the app directory that a sync keeps. */
    private static final Set<String> OURS = Set.of(Fs0Assembler.WRAPPER, WrapperSettings.FILE,
            GuestContract.ENV_FILE, MARKER);

    /** How to check the function: as the build does. */
    public record Check(Path python, List<Integer> grammar, Optional<Path> guest) {
    }

    /** Told of each settled change, in the watcher's thread. */
    public interface Listener {
        /** fs0's app directory holds the new sources; {@code changed} are relative to the source directory. */
        void reloaded(Set<String> changed, Duration took);

        /** The change did not pass the check (or could not be copied): fs0 is unchanged. */
        void refused(Set<String> changed, String message);
    }

    private final Path sourceDir;
    private final Fs0Layout fs0;
    private final Check check;
    private final Optional<Path> bytecode;
    private final Duration poll;
    private final Listener listener;
    private final Thread thread;
    private volatile boolean closed;
    private long generation;

    private LiveReload(Path sourceDir, Fs0Layout fs0, Check check, Optional<Path> bytecode, Duration poll,
            Listener listener) {
        this.sourceDir = sourceDir;
        this.fs0 = fs0;
        this.check = check;
        this.bytecode = bytecode;
        this.poll = poll;
        this.listener = listener;
        this.thread = new Thread(this::loop, "unikernel-faas-live-reload");
        thread.setDaemon(true);
    }

    /**
     * Starts watching {@code sourceDir}.
     *
     * @param bytecode the guest's CPython to recompile the app's .pyc with; empty: stale .pyc are deleted
     * @param poll     how often the sources are looked at; a change is taken once two looks agree
     */
    public static LiveReload start(Path sourceDir, Fs0Layout fs0, Check check, Optional<Path> bytecode, Duration poll,
            Listener listener) {
        LiveReload r = new LiveReload(sourceDir, fs0, check, bytecode, poll, listener);
        r.thread.start();
        return r;
    }

    private void loop() {
        Map<String, String> seen = fingerprint(sourceDir);
        while (!closed) {
            try {
                Thread.sleep(poll.toMillis());
                Map<String, String> now = fingerprint(sourceDir);
                if (now.equals(seen)) {
                    continue;
                }
                // Debounce: an editor's save is often several writes; wait until two looks agree.
                Map<String, String> settled = now;
                for (int i = 0; i < 20 && !closed; i++) {
                    Thread.sleep(poll.toMillis());
                    Map<String, String> again = fingerprint(sourceDir);
                    if (again.equals(settled)) {
                        break;
                    }
                    settled = again;
                }
                Set<String> changed = changed(seen, settled);
                seen = settled;
                long start = System.nanoTime();
                try {
                    apply(sourceDir, fs0, check, bytecode, ++generation);
                    listener.reloaded(changed, Duration.ofNanos(System.nanoTime() - start));
                } catch (FunctionException | UncheckedIOException e) {
                    listener.refused(changed, e.getMessage());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                listener.refused(Set.of(), "live reload failed: " + e);
            }
        }
    }

    /**
     * Checks the function in {@code sourceDir} and, when it passes, puts it into fs0's app directory (files
     * gone from the sources are deleted there, the app's .pyc recompiled or deleted) and writes
     * {@code generation} into the marker. Throws {@link FunctionException} with the checker's file:line message.
     */
    public static void apply(Path sourceDir, Fs0Layout fs0, Check check, Optional<Path> bytecode, long generation) {
        FunctionChecker.check(check.python(), sourceDir, check.grammar(), check.guest());
        if (Files.isRegularFile(sourceDir.resolve(Fs0Assembler.WRAPPER))) {
            throw new FunctionException(sourceDir.resolve(Fs0Assembler.WRAPPER) + " would replace the unikernel-faas"
                    + " wrapper, which serves your handler: rename that module");
        }
        Path app = fs0.app();
        try {
            Set<String> sources = fingerprint(sourceDir).keySet();
            // Unchecked-hash .pyc are used even when their source changed: drop them all, then recompile.
            List<Path> stale = new ArrayList<>();
            try (Stream<Path> walk = Files.walk(app)) {
                walk.filter(p -> !p.equals(app)).forEach(p -> {
                    String rel = app.relativize(p).toString().replace('\\', '/');
                    boolean cache = p.getFileName().toString().equals("__pycache__");
                    if (cache || (Files.isRegularFile(p) && !OURS.contains(rel) && !rel.contains("__pycache__/")
                            && !sources.contains(rel))) {
                        stale.add(p);
                    }
                });
            }
            for (Path p : stale) {
                if (Files.isDirectory(p)) {
                    Trees.delete(p);
                } else {
                    Files.deleteIfExists(p);
                }
            }
            Trees.copy(sourceDir, app, Fs0Assembler::skipped);
            if (bytecode.isPresent()) {
                Bytecode.compileBeside(bytecode.get(), app, "/" + fs0.pythonLib() + "/app");
            }
            writeMarker(app.resolve(MARKER), generation);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not copy the function into " + app + ": " + e.getMessage(), e);
        }
    }

    /** Written last, so the guest never re-imports half-copied sources; its mtime always moves forward. */
    private static void writeMarker(Path marker, long generation) throws IOException {
        FileTime before = Files.exists(marker) ? Files.getLastModifiedTime(marker) : null;
        Files.writeString(marker, Long.toString(generation) + "\n");
        FileTime after = Files.getLastModifiedTime(marker);
        if (before != null && after.compareTo(before) <= 0) {
            Files.setLastModifiedTime(marker, FileTime.fromMillis(before.toMillis() + 1000));
        }
    }

    /** Relative path to size:mtime of the files the build copies (no dot files, no .pyc). */
    static Map<String, String> fingerprint(Path dir) {
        Map<String, String> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    return !d.equals(dir) && Fs0Assembler.skipped(d) ? FileVisitResult.SKIP_SUBTREE
                            : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile() && !Fs0Assembler.skipped(f)) {
                        out.put(dir.relativize(f).toString().replace('\\', '/'),
                                attrs.size() + ":" + attrs.lastModifiedTime().toMillis());
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE; // deleted while we looked: the next look sees it
                }
            });
        } catch (IOException e) {
            // A directory vanished mid-walk: what we have is a change, the next look settles it.
        }
        return out;
    }

    static Set<String> changed(Map<String, String> before, Map<String, String> after) {
        Set<String> out = new TreeSet<>();
        before.forEach((k, v) -> {
            if (!v.equals(after.get(k))) {
                out.add(k);
            }
        });
        after.keySet().stream().filter(k -> !before.containsKey(k)).forEach(out::add);
        return out;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
