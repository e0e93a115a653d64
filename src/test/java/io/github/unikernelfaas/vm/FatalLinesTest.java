package io.github.unikernelfaas.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The table, line by line: the forms seen on Unikraft 0.13.1 (issue "real functions", failure 6). */
class FatalLinesTest {
    private static VmConfig config(int memoryMb) {
        return new VmConfig(new Machine(Qemu.INSTANCE, Path.of("qemu"), Accelerator.TCG, memoryMb, List.of(), "t"),
                new Guest(Path.of("kernel"), null, "", RootKind.INITRD, null, Path.of("fs0.cpio"), 8080, 8123,
                        VirtioMode.LEGACY), new MemoryFloor(88, "unikraft-0.13.1-python3.7 with the initrd root"));
    }

    private static Optional<FatalLines.Fatal> judge(String line, String... earlier) {
        return FatalLines.judge(line, List.of(earlier), null, config(48));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "[    0.010] CRIT: [libukboot] Boot stack alloc failed",
        "[    0.020] CRIT: [libukboot] Failed to initialize scheduling",
        "[    0.300] ERR:  [libuknetdev] Failed to attach network device 0 to lwIP",
        "[    0.200] CRIT: [libukcpio] Failed to extract cpio archive to /: -5",
        "[    0.200] ERR:  [libukcpio] cpio: I/O error (5)",
        "Could not preallocate MemoryError object"})
    void everyOutOfMemoryFormSaysMemoryAndTheFloor(String line) {
        FatalLines.Fatal f = judge(line).orElseThrow();
        assertEquals(FatalLines.Kind.MEMORY, f.kind(), line);
        assertTrue(f.message().startsWith("The guest ran out of memory with 48 MiB (unikernel.memory): "), f.message());
        assertTrue(f.message().endsWith("The floor for unikraft-0.13.1-python3.7 with the initrd root is 88 MiB: set"
                + " -Dunikernel.memory=88 or more."), f.message());
        assertEquals(Optional.of("unikernel.memory"), f.setting());
    }

    @Test
    void anAbortIsMemoryOnlyAfterAMemoryError() {
        assertEquals(FatalLines.Kind.ABORT, judge("abort called").orElseThrow().kind());
        assertEquals(FatalLines.Kind.MEMORY, judge("abort called", "MemoryError").orElseThrow().kind());
        assertEquals(FatalLines.Kind.MEMORY, judge("Fatal Python error: MemoryError").orElseThrow().kind());
        assertEquals(FatalLines.Kind.ABORT, judge("Fatal Python error: Py_Initialize: can't initialize sys")
                .orElseThrow().kind());
    }

    @Test
    void aMemoryErrorAloneIsNotFatalNorAreTheUsualLines() {
        // A handler's MemoryError is answered 500 and the wrapper serves on.
        for (String line : List.of("MemoryError", "ukfaas: listening on 0.0.0.0:8123", "ukfaas: POST / -> 500 in 3.0 ms",
                "ukfaas: reload failed: the previous function.py keeps serving", "en1: Interface is up")) {
            assertEquals(Optional.empty(), judge(line), line);
        }
    }

    @Test
    void anImportThatFailedWithAMemoryErrorIsMemory() {
        FatalLines.Fatal f = judge("ukfaas: cannot import function.py from /lib/python3.7/app", "Traceback (most recent"
                + " call last):", "MemoryError").orElseThrow();
        assertEquals(FatalLines.Kind.MEMORY, f.kind());
        assertTrue(f.message().startsWith("The guest ran out of memory with 48 MiB (unikernel.memory): function.py"
                + " could not be imported in the guest"), f.message());
        assertEquals(FatalLines.Kind.WRAPPER, judge("ukfaas: cannot import function.py from /app",
                "ModuleNotFoundError: No module named 'yaml'").orElseThrow().kind());
    }

    @Test
    void withEnoughMemoryTheAdviceIsToGiveMore() {
        FatalLines.Fatal f = FatalLines.judge("abort called", List.of("MemoryError"), null, config(256)).orElseThrow();
        assertTrue(f.message().endsWith("Give the guest more memory than 256 MiB (the floor for"
                + " unikraft-0.13.1-python3.7 with the initrd root is 88 MiB), e.g. -Dunikernel.memory=512."), f.message());
    }
}
