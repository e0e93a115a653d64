package io.github.unikernelfaas.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.invoke.CaseResult;
import io.github.unikernelfaas.invoke.EventCase;
import io.github.unikernelfaas.invoke.EventRunner;
import io.github.unikernelfaas.invoke.FunctionClient;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest's fatal console lines end the boot wait, and a VM that stops during an invocation ends it, with
 * the cause, against the scripted stand-in for QEMU (its modes say, postsay and postdie print the lines).
 * The timeouts are long: a wait that did not end early fails with a timeout's message, not these.
 */
class FailFastTest {
    private static final Duration LONG = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    private final HttpClient http = FunctionClient.newHttpClient();
    private final List<String> log = new ArrayList<>();

    private VmConfig config(int memoryMb, MemoryFloor floor, String mode, String... lines) throws Exception {
        Path qemu = dir.resolve("qemu-system-fake");
        Files.copy(Path.of("src/test/resources/fake-qemu/qemu-system-fake"), qemu, StandardCopyOption.REPLACE_EXISTING);
        qemu.toFile().setExecutable(true);
        Path kernel = Files.writeString(dir.resolve("kernel-" + mode), mode + "\n" + String.join("\n", lines) + "\n");
        Path fs0 = Files.createDirectories(dir.resolve("fs0"));
        return new VmConfig(new Machine(Qemu.INSTANCE, qemu, Accelerator.TCG, memoryMb, List.of(), "t"),
                new Guest(kernel, null, "", RootKind.NINE_P, fs0, null, Ports.free(), 8123, VirtioMode.LEGACY), floor);
    }

    private GuestFatalException bootFails(VmConfig c) {
        GuestFatalException e = assertThrows(GuestFatalException.class, () -> FunctionVm.boot(c, dir.resolve("work"),
                http, LONG, log::add));
        assertFalse(Files.exists(dir.resolve("work/qemu.pid")), "the VM was stopped");
        return e;
    }

    @Test
    void anImportErrorEndsTheBootWaitNamingTheCause() throws Exception {
        GuestFatalException e = bootFails(config(256, MemoryFloor.UNKNOWN, "say", "Traceback (most recent call last):",
                "ModuleNotFoundError: No module named 'yaml'", "ukfaas: cannot import function.py from /app",
                "ukfaas: stopping (exit status 1)"));
        assertTrue(e.getMessage().startsWith("The function cannot serve: function.py could not be imported in the"
                + " guest"), e.getMessage());
        assertTrue(e.getMessage().contains("requirements.txt"), e.getMessage());
        assertTrue(e.getMessage().contains("| ModuleNotFoundError: No module named 'yaml'"), "with the console tail: "
                + e.getMessage());
        assertTrue(e.setting().isEmpty());
    }

    @Test
    void anyOtherStartFailureOfTheWrapperEndsItWithItsOwnWords() throws Exception {
        GuestFatalException e = bootFails(config(256, MemoryFloor.UNKNOWN, "say",
                "ukfaas: cannot listen on 0.0.0.0:8123: [Errno 98] Address in use", "ukfaas: stopping (exit status 1)"));
        assertTrue(e.getMessage().startsWith("The wrapper stopped in the guest; it said 'ukfaas: cannot listen on"
                + " 0.0.0.0:8123: [Errno 98] Address in use', then 'ukfaas: stopping (exit status 1)'"), e.getMessage());
    }

    @Test
    void outOfMemoryAtBootNamesMemoryTheFloorAndTheSetting() throws Exception {
        MemoryFloor floor = new MemoryFloor(88, "unikraft-0.13.1-python3.7 with the initrd root");
        GuestFatalException e = bootFails(config(80, floor, "say", "Fatal Python error: initfsencoding: unable to"
                + " load the file system codec", "MemoryError", "[    1.2] CRIT: [libposix_process] abort called"));
        // CPython's fatal line comes first, its MemoryError after it: judged together.
        assertTrue(e.getMessage().startsWith("The guest ran out of memory with 80 MiB (unikernel.memory): CPython"
                + " stopped with a fatal error with a MemoryError"), e.getMessage());
        assertTrue(e.getMessage().contains("The floor for unikraft-0.13.1-python3.7 with the initrd root is 88 MiB:"
                + " set -Dunikernel.memory=88 or more."), e.getMessage());
        assertEquals(Optional.of("unikernel.memory"), e.setting());
    }

    @Test
    void aKernelCrashAtBootIsNamed() throws Exception {
        GuestFatalException e = bootFails(config(256, MemoryFloor.UNKNOWN, "say",
                "[    0.5] CRIT: [libvfscore] <vnode.c @ 124> Assertion failure: m->owner != cur"));
        assertTrue(e.getMessage().startsWith("The guest stopped: the kernel crashed; the console says: '[    0.5]"
                + " CRIT: [libvfscore] <vnode.c @ 124> Assertion failure: m->owner != cur'"), e.getMessage());
    }

    private List<CaseResult> runCases(VmConfig c) throws Exception {
        try (FunctionVm vm = FunctionVm.boot(c, dir.resolve("work"), http, LONG, log::add)) {
            FunctionClient client = new FunctionClient(http, vm.hostPort(), LONG);
            return EventRunner.run(List.of(event("a-exit"), event("b-after")), client, vm::stopped, log::add);
        }
    }

    private static EventCase event(String name) {
        return new EventCase(name, null, "{}".getBytes(StandardCharsets.UTF_8), null, null);
    }

    @Test
    void aGuestThatHangsAfterSayingItStopsEndsTheCaseAtOnce() throws Exception {
        // Unikraft after os._exit in a handler: the wrapper's line, then silence; QEMU lives on.
        List<CaseResult> r = runCases(config(256, MemoryFloor.UNKNOWN, "postsay", "ukfaas: stopping: os._exit(3) was called"));
        assertTrue(r.get(0).message().startsWith("the VM stopped during a-exit: The wrapper stopped in the guest; it"
                + " said 'ukfaas: stopping: os._exit(3) was called'."), r.get(0).message());
        assertTrue(r.get(0).message().contains("lines of the guest console"), r.get(0).message());
        assertEquals("not run: the VM stopped during a-exit", r.get(1).message());
    }

    @Test
    void aVmThatExitsDuringACaseIsNamedNotAConnectionError() throws Exception {
        // The Linux guest after os._exit: the connection closes, then QEMU exits.
        List<CaseResult> r = runCases(config(256, MemoryFloor.UNKNOWN, "postdie", "init: FAILED: the wrapper exited"
                + " with status 3; powering off"));
        assertTrue(r.get(0).message().startsWith("the VM stopped during a-exit: QEMU exited with code 3."),
                r.get(0).message());
        assertTrue(r.get(0).message().contains("| init: FAILED: the wrapper exited with status 3"), r.get(0).message());
        assertEquals("not run: the VM stopped during a-exit", r.get(1).message());
    }

    @Test
    void aFloorIsCheckedBeforeBoot() {
        MemoryFloor floor = new MemoryFloor(64, "unikraft-0.13.1-python3.7 with the 9p root");
        VmException e = assertThrows(VmException.class, () -> floor.check(32));
        assertEquals("unikernel.memory=32 MiB is below the floor of 64 MiB for unikraft-0.13.1-python3.7 with the 9p"
                + " root: the kernel fails at boot with less. Set -Dunikernel.memory=64 or more.", e.getMessage());
        assertEquals(Optional.of("unikernel.memory"), e.setting());
        floor.check(64);
        MemoryFloor.UNKNOWN.check(16);
    }
}
