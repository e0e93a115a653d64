package io.github.unikernelfaas.vm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ctrl-C (SIGINT) to the build JVM while a VM runs must stop QEMU through the shutdown hook. */
class CtrlCTest {
    @TempDir
    Path dir;

    @Test
    void sigintToTheBuildStopsQemu() throws Exception {
        Path qemu = dir.resolve("qemu-system-fake");
        Files.copy(Path.of("src/test/resources/fake-qemu/qemu-system-fake"), qemu, StandardCopyOption.REPLACE_EXISTING);
        qemu.toFile().setExecutable(true);
        Files.writeString(dir.resolve("kernel-serve"), "serve");
        Files.createDirectories(dir.resolve("fs0"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // env --default-signal: a build started in the background (`cmd &`) inherits SIGINT ignored, as a
        // terminal's foreground Maven does not; the test is about the hook, so the child gets the default.
        Process child = new ProcessBuilder("env", "--default-signal=INT", java.toString(), "-cp",
                System.getProperty("java.class.path"),
                ShutdownProbe.class.getName(), dir.toString()).redirectErrorStream(true).start();
        long qemuPid = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("QEMU-PID ")) {
                    qemuPid = Long.parseLong(line.substring(9).trim());
                    break;
                }
            }
            assertTrue(qemuPid > 0, "the probe booted a VM");
            Optional<ProcessHandle> vm = ProcessHandle.of(qemuPid);
            assertTrue(vm.isPresent() && vm.get().isAlive());

            new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).start().waitFor(5, TimeUnit.SECONDS);
            assertTrue(child.waitFor(20, TimeUnit.SECONDS), "the build JVM exits on SIGINT");
            ProcessHandle h = vm.get();
            assertNotNull(h.onExit().get(10, TimeUnit.SECONDS));
            assertFalse(h.isAlive(), "QEMU was stopped by the shutdown hook");
            assertFalse(Files.exists(dir.resolve("work/qemu.pid")), "and its pidfile removed");
        } finally {
            child.destroyForcibly();
            if (qemuPid > 0) {
                ProcessHandle.of(qemuPid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }
}
