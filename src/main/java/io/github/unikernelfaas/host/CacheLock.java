package io.github.unikernelfaas.host;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * An exclusive lock on one cache entry, across threads (a ReentrantLock per lock file) and processes (a
 * FileChannel lock on the lock file, released by the OS if the process dies). Waits are bounded.
 * Every cache writer takes its entry through here: two FileChannel locks on one file from one JVM (mvn -T)
 * throw OverlappingFileLockException instead of waiting.
 */
public final class CacheLock implements AutoCloseable {
    private static final ConcurrentHashMap<String, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

    private final ReentrantLock threadLock;
    private final FileChannel channel;
    private final FileLock fileLock;

    private CacheLock(ReentrantLock threadLock, FileChannel channel, FileLock fileLock) {
        this.threadLock = threadLock;
        this.channel = channel;
        this.fileLock = fileLock;
    }

    /**
     * Takes the lock on {@code lockFile}, logging once if another thread or build holds it; fails after
     * {@code timeout}.
     *
     * @param doing what the holder does, for the log and errors, e.g. "fetching core v1"
     */
    public static CacheLock acquire(Path lockFile, Duration timeout, String doing, Consumer<String> log)
            throws InterruptedException {
        try {
            Files.createDirectories(lockFile.getParent());
            Path key = lockFile.getParent().toRealPath().resolve(lockFile.getFileName());
            ReentrantLock threadLock = IN_JVM.computeIfAbsent(key.toString(), k -> new ReentrantLock());
            long deadline = System.nanoTime() + timeout.toNanos();
            if (!threadLock.tryLock()) {
                log.accept("Waiting for another thread of this build to finish " + doing);
                if (!threadLock.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                    throw timedOut(lockFile, timeout, doing);
                }
            }
            boolean done = false;
            FileChannel channel = null;
            try {
                channel = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                boolean told = false;
                while (true) {
                    FileLock fileLock;
                    try {
                        fileLock = channel.tryLock();
                    } catch (OverlappingFileLockException e) {
                        fileLock = null; // held in this JVM through another class loader (another plugin realm)
                    }
                    if (fileLock != null) {
                        done = true;
                        return new CacheLock(threadLock, channel, fileLock);
                    }
                    if (!told) {
                        log.accept("Waiting for another build to finish " + doing + " (lock " + key + ")");
                        told = true;
                    }
                    if (System.nanoTime() > deadline) {
                        throw timedOut(lockFile, timeout, doing);
                    }
                    Thread.sleep(100);
                }
            } finally {
                if (!done) {
                    if (channel != null) {
                        channel.close();
                    }
                    threadLock.unlock();
                }
            }
        } catch (IOException e) {
            throw new CacheLockException("Cannot take the cache lock " + lockFile + " for " + doing + ": "
                    + e.getMessage() + ". Is unikernel.cacheDir writable?", e);
        }
    }

    private static CacheLockException timedOut(Path lockFile, Duration timeout, String doing) {
        return new CacheLockException("Timed out after " + timeout.toSeconds() + " s waiting for another build to"
                + " finish " + doing + " (lock " + lockFile + "). Try again when it is done.", null);
    }

    @Override
    public void close() {
        try {
            fileLock.release();
            channel.close();
        } catch (IOException e) {
            // Closing the channel releases the lock anyway.
        } finally {
            threadLock.unlock();
        }
    }
}
