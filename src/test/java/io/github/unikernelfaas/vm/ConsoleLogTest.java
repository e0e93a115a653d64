package io.github.unikernelfaas.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleLogTest {
    @TempDir
    Path dir;

    @Test
    void tailKeepsTheLastLinesWithoutTerminalEscapes() throws Exception {
        String text = IntStream.rangeClosed(1, 50).mapToObj(i -> "line " + i).collect(Collectors.joining("\n"))
                + "\n\u001b[1;31mred\u001b[0m\r\n";
        Path log = Files.writeString(dir.resolve("console.log"), text);
        List<String> tail = ConsoleLog.tail(log, 3);
        assertEquals(List.of("line 49", "line 50", "red"), tail);
    }

    @Test
    void missingOrEmptyLogIsSaidPlainly() {
        assertTrue(ConsoleLog.describeTail(dir.resolve("none.log"), 30).contains("is empty"));
    }
}
