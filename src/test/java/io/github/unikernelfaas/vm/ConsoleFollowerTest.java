package io.github.unikernelfaas.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleFollowerTest {
    @TempDir
    Path dir;

    @Test
    void passesOnLinesAppendedAfterItStartedWholeAndInOrder() throws Exception {
        Path log = dir.resolve("console.log");
        Files.writeString(log, "boot line, shown already\n");
        List<String> seen = new CopyOnWriteArrayList<>();
        try (ConsoleFollower f = ConsoleFollower.fromEnd(log, seen::add)) {
            append(log, "printed by the handler\r\nTraceback (most recent call last):\n  File \"function.py\", li");
            waitFor(() -> seen.size() == 2);
            assertEquals(List.of("printed by the handler", "Traceback (most recent call last):"), seen);
            append(log, "ne 3\nh\u00e9llo \u2603\n");
            waitFor(() -> seen.size() == 4);
        }
        assertEquals(List.of("printed by the handler", "Traceback (most recent call last):",
                "  File \"function.py\", line 3", "h\u00e9llo \u2603"), seen);
    }

    @Test
    void aLogStartedAnewIsFollowedFromItsStart() throws Exception {
        Path log = dir.resolve("console.log");
        Files.writeString(log, "an earlier VM's long console output\n");
        List<String> seen = new CopyOnWriteArrayList<>();
        try (ConsoleFollower f = ConsoleFollower.fromEnd(log, seen::add)) {
            Files.writeString(log, "new\n");
            waitFor(() -> !seen.isEmpty());
        }
        assertEquals(List.of("new"), seen);
    }

    private static void append(Path log, String text) throws Exception {
        Files.write(log, text.getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 100 && !condition.getAsBoolean(); i++) {
            Thread.sleep(50);
        }
    }
}
