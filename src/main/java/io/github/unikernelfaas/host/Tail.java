package io.github.unikernelfaas.host;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.List;

/** The tail of a log (pip's output, make's, the guest console) as error messages show it: "  | line". */
public final class Tail {
    private Tail() {
    }

    /** The last {@code n} lines of {@code text}, without surrounding blank space. */
    public static List<String> lines(String text, int n) {
        Window w = new Window(n);
        for (String line : text.strip().split("\n")) {
            w.add(line);
        }
        return w.lines();
    }

    /** The lines as an indented block, one {@code "  | line"} each, joined by newlines. */
    public static String block(Collection<String> lines) {
        return lines.isEmpty() ? "" : "  | " + String.join("\n  | ", lines);
    }

    /** The last {@code n} lines of {@code text} as a block, ending with a newline. */
    public static String of(String text, int n) {
        return block(lines(text, n)) + "\n";
    }

    /** Keeps the last {@code n} lines of a stream read line by line. */
    public static final class Window {
        private final int n;
        private final Deque<String> last;

        public Window(int n) {
            this.n = n;
            this.last = new ArrayDeque<>(n);
        }

        public void add(String line) {
            if (last.size() == n) {
                last.removeFirst();
            }
            last.addLast(line);
        }

        public List<String> lines() {
            return List.copyOf(last);
        }
    }
}
