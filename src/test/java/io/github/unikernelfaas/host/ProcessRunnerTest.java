package io.github.unikernelfaas.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessRunnerTest {
    @Test
    void capturesBothStreamsAndTheExitCode() throws Exception {
        ProcessRunner.Result r = ProcessRunner.run(List.of("sh", "-c", "echo out; echo err >&2; echo $X; exit 3"),
                Map.of("X", "from-env"), Duration.ofSeconds(30), 1024);
        assertEquals(3, r.exitCode());
        assertEquals("out\nfrom-env\n", r.stdout());
        assertEquals("err\n", r.stderr());
    }

    @Test
    void keepsTheTailOfALongOutput() throws Exception {
        ProcessRunner.Result r = ProcessRunner.run(List.of("sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line$i;"
                + " i=$((i+1)); done"), Map.of(), Duration.ofSeconds(30), 100);
        assertEquals(100, r.stdout().length());
        assertTrue(r.stdout().endsWith("line1999\n"), r.stdout());
    }

    @Test
    void aChildThatHangsWithItsStdoutOpenIsStoppedAtTheTimeout() {
        ProcessTimeoutException e = assertThrows(ProcessTimeoutException.class,
                () -> ProcessRunner.run(List.of("sh", "-c", "echo started; sleep 30"), Map.of(), Duration.ofSeconds(1),
                        1024));
        assertTrue(e.getMessage().contains("`sh -c echo started; sleep 30` did not finish within 1 s"), e.getMessage());
    }
}
