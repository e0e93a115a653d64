package io.github.unikernelfaas.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MakeDriverTest {
    @TempDir
    Path dir;

    private MakeDriver driver() {
        return new MakeDriver(Path.of("make"), dir, dir, List.of(), dir, "0.0.0");
    }

    @Test
    void aCompilerErrorThatScrolledOutOfTheTailIsStillNamed() {
        Path log = dir.resolve("build.log");
        List<String> progress = new ArrayList<>();
        // Like make -j: the error, then other jobs' output until make gives up.
        List<String> cmd = List.of("sh", "-c", "echo '  CC      app: tmp.o'; echo 'app/tmp.c:14:43: error: NULL undeclared';"
                + " i=0; while [ $i -lt 60 ]; do echo \"  CC      lib: f$i.o\"; i=$((i+1)); done;"
                + " echo 'make: *** [Makefile:1033: sub-make] Error 2'; exit 2");
        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> driver().run(cmd, log, "make", progress::add));
        assertTrue(e.getMessage().contains("The errors:\n  | app/tmp.c:14:43: error: NULL undeclared"), e.getMessage());
        assertTrue(e.getMessage().contains("make: *** [Makefile:1033: sub-make] Error 2"), e.getMessage());
        assertTrue(e.getMessage().contains("Last " + MakeDriver.TAIL_LINES + " lines of " + log), e.getMessage());
    }

    @Test
    void theLogHoldsEveryLineAsItComes() throws Exception {
        Path log = dir.resolve("build.log");
        driver().run(List.of("sh", "-c", "echo one; echo two"), log, "make", s -> { });
        List<String> lines = Files.readAllLines(log);
        assertEquals(List.of("one", "two"), lines.subList(1, 3));
    }
}
