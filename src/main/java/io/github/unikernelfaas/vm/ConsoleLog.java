package io.github.unikernelfaas.vm;

import io.github.unikernelfaas.host.Tail;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The guest console (and QEMU's own messages), written to a file; read back for error messages. */
public final class ConsoleLog {
    private ConsoleLog() {
    }

    /** The last {@code n} lines of the log, with control characters the serial console emits removed. */
    public static List<String> tail(Path log, int n) {
        if (!Files.isRegularFile(log)) {
            return List.of();
        }
        Tail.Window last = new Tail.Window(n);
        try (Stream<String> lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
            lines.forEach(line -> last.add(clean(line)));
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of("(console log unreadable: " + e.getMessage() + ")");
        }
        return last.lines();
    }

    /** A block for error messages: the tail, indented, and where the whole log is. */
    public static String describeTail(Path log, int n) {
        List<String> tail = tail(log, n);
        StringBuilder sb = new StringBuilder();
        if (tail.isEmpty()) {
            sb.append("The guest console is empty (").append(log).append(").");
        } else {
            sb.append("Last ").append(tail.size()).append(" lines of the guest console (").append(log).append("):\n")
                    .append(Tail.block(tail));
        }
        return sb.toString();
    }

    static String clean(String line) {
        StringBuilder sb = new StringBuilder(line.length());
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch == '\u001b') {
                i = skipEscape(line, i);
            } else if (ch == '\t' || (ch >= ' ' && ch != 0x7f)) {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    /** Skips an ANSI CSI sequence ("ESC [ ... letter") or a lone escape. */
    private static int skipEscape(String line, int i) {
        if (i + 1 < line.length() && line.charAt(i + 1) == '[') {
            int j = i + 2;
            while (j < line.length() && !Character.isLetter(line.charAt(j))) {
                j++;
            }
            return j;
        }
        return i;
    }
}
