package io.github.unikernelfaas.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TailTest {
    @Test
    void theLastLinesAsAnIndentedBlock() {
        assertEquals(List.of("c", "d"), Tail.lines("\na\nb\nc\nd\n\n", 2));
        assertEquals(List.of("a"), Tail.lines("a", 5));
        assertEquals("  | c\n  | d\n", Tail.of("a\nb\nc\nd\n", 2));
        assertEquals("  | x\n  | y", Tail.block(List.of("x", "y")));
        assertEquals("", Tail.block(List.of()));
    }

    @Test
    void aWindowKeepsTheLastN() {
        Tail.Window w = new Tail.Window(3);
        for (int i = 1; i <= 5; i++) {
            w.add("line " + i);
        }
        assertEquals(List.of("line 3", "line 4", "line 5"), w.lines());
    }
}
