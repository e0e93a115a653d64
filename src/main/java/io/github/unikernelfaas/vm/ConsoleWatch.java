package io.github.unikernelfaas.vm;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;

/**
 * Reads the console log as it grows and judges each new complete line by {@link FatalLines}: the boot wait
 * and an invocation end at once when the guest has said it cannot go on. Not thread-safe: one reader.
 */
public final class ConsoleWatch {
    private static final int CONTEXT_LINES = 60;
    private static final int MAX_READ = 1 << 20;
    private final Path log;
    private final VmConfig config;
    private final ArrayDeque<String> earlier = new ArrayDeque<>();
    private final StringBuilder partial = new StringBuilder();
    private long offset;
    private String lastWrapper;
    private FatalLines.Fatal found;
    /** A line that may be out of memory, judged at the next call, and the lines around it so far. */
    private String pending;
    private List<String> pendingBefore;

    private ConsoleWatch(Path log, VmConfig config, long offset) {
        this.log = log;
        this.config = config;
        this.offset = offset;
    }

    /** Judges the whole log, from its first line (a boot). */
    public static ConsoleWatch fromStart(Path log, VmConfig config) {
        return new ConsoleWatch(log, config, 0);
    }

    /** Judges only what is appended from now on (a VM that already serves). */
    public static ConsoleWatch fromEnd(Path log, VmConfig config) {
        long size = 0;
        try {
            size = java.nio.file.Files.size(log);
        } catch (IOException e) {
            // not there yet: from its start
        }
        return new ConsoleWatch(log, config, size);
    }

    /**
     * The first fatal line so far, reading what was appended since the last call. A line that may yet turn
     * out to be out of memory (CPython prints MemoryError after its fatal line) is judged one call later,
     * with the lines that came after it.
     */
    public Optional<FatalLines.Fatal> poll() {
        if (found != null) {
            return Optional.of(found);
        }
        List<String> lines = newLines();
        if (pending != null) {
            List<String> around = new java.util.ArrayList<>(pendingBefore);
            lines.stream().map(ConsoleLog::clean).forEach(around::add);
            found = FatalLines.judge(pending, around, lastWrapper, config).orElseThrow();
            return Optional.of(found);
        }
        for (int i = 0; i < lines.size(); i++) {
            String clean = ConsoleLog.clean(lines.get(i));
            Optional<FatalLines.Rule> rule = FatalLines.rule(clean);
            if (rule.isPresent() && rule.get().mayBeMemory()) {
                pending = clean;
                pendingBefore = new java.util.ArrayList<>(earlier);
                lines.subList(i + 1, lines.size()).stream().map(ConsoleLog::clean).forEach(pendingBefore::add);
                return Optional.empty();
            }
            if (rule.isPresent()) {
                found = FatalLines.judge(clean, List.copyOf(earlier), lastWrapper, config).orElseThrow();
                return Optional.of(found);
            }
            if (clean.contains("ukfaas: ")) {
                lastWrapper = clean.substring(clean.indexOf("ukfaas: "));
            }
            earlier.addLast(clean);
            if (earlier.size() > CONTEXT_LINES) {
                earlier.removeFirst();
            }
        }
        return Optional.empty();
    }

    private List<String> newLines() {
        try (RandomAccessFile raf = new RandomAccessFile(log.toFile(), "r")) {
            long length = raf.length();
            if (length < offset) {
                offset = 0; // started anew
            }
            if (length > offset) {
                byte[] buf = new byte[(int) Math.min(length - offset, MAX_READ)];
                raf.seek(offset);
                raf.readFully(buf);
                offset += buf.length;
                partial.append(new String(buf, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException e) {
            return List.of(); // not there yet
        }
        List<String> lines = new java.util.ArrayList<>();
        int nl;
        while ((nl = partial.indexOf("\n")) >= 0) {
            lines.add(partial.substring(0, nl));
            partial.delete(0, nl + 1);
        }
        return lines;
    }
}
