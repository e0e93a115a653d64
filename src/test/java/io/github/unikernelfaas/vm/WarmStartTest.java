package io.github.unikernelfaas.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.invoke.FunctionClient;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Warm start against the scripted stand-in for QEMU (it saves and loads a token state over the same QMP
 * and -incoming exec: paths): save after a cold boot, restore, fall back on a bad state, the key, the
 * cache's bound. The real QEMU saving and restoring the real kernel is measured by bench/warm-start.py.
 */
class WarmStartTest {
    @TempDir
    Path dir;

    private final HttpClient http = FunctionClient.newHttpClient();
    private final List<String> info = new ArrayList<>();
    private final List<String> warn = new ArrayList<>();

    private VmConfig config(String mode, RootKind root, int memory) throws Exception {
        Path qemu = dir.resolve("qemu-system-fake");
        Files.copy(Path.of("src/test/resources/fake-qemu/qemu-system-fake"), qemu, StandardCopyOption.REPLACE_EXISTING);
        qemu.toFile().setExecutable(true);
        Path kernel = Files.writeString(dir.resolve("kernel-" + mode), mode);
        Path fs0 = Files.createDirectories(dir.resolve("fs0"));
        Path cpio = dir.resolve("fs0.cpio");
        if (!Files.exists(cpio)) {
            Files.writeString(cpio, "function v1");
        }
        return new VmConfig(new Machine(Qemu.INSTANCE, qemu, Accelerator.TCG, memory, List.of(), "t"),
                new Guest(kernel, null, "-- app", root, fs0, cpio, Ports.free(), 8123, VirtioMode.LEGACY));
    }

    private FunctionVm boot(VmConfig c, WarmStart warm) {
        return FunctionVm.boot(c, AcceleratorChoice.of(Accelerator.TCG), null, warm, dir.resolve("work"),
                VmRecord.inWorkDir(dir.resolve("work")), http, Duration.ofSeconds(30), new BootLog(info::add, warn::add));
    }

    private static VmConfig withPort(VmConfig c, int port) {
        Guest g = c.guest();
        return new VmConfig(c.machine(), new Guest(g.kernel(), g.initrd(), g.kernelArgs(), g.root(), g.fs0(),
                g.fs0Initrd(), port, g.guestPort(), g.virtio()));
    }

    private String console() throws Exception {
        return Files.readString(dir.resolve("work/console.log"));
    }

    @Test
    void aColdBootSavesAndTheNextBootRestoresOnAnotherPortAndReseeds() throws Exception {
        WarmStart warm = new WarmStart(dir.resolve("snapshots"));
        VmConfig c = config("serve", RootKind.INITRD, 64);
        try (FunctionVm cold = boot(c, warm)) {
            assertFalse(cold.restored());
            assertTrue(cold.isAlive(), "the saved VM goes on serving");
            assertEquals("running", cold.vm().haltedState().isEmpty() ? "running" : "halted");
        }
        assertTrue(console().contains("fake-qemu: POST /_/restored prepare"), "the wrapper imported before the save");
        assertTrue(console().matches("(?s).*fake-qemu: armed with token [0-9a-f]{64}\n.*"), console());
        String key = warm.plan(c, info::add).orElseThrow().key();
        Path state = dir.resolve("snapshots").resolve(key).resolve(SnapshotCache.STATE);
        assertEquals("FAKE-STATE serve\n", Files.readString(state), "QEMU's migration stream went to the file");
        assertTrue(Files.readString(state.resolveSibling(SnapshotCache.INPUTS)).contains("fs0 "), "inputs are named");
        assertTrue(info.stream().anyMatch(l -> l.startsWith("Warm start: saved the VM's state")), info.toString());

        VmConfig again = withPort(c, Ports.free());
        try (FunctionVm warmVm = boot(again, warm)) {
            assertTrue(warmVm.restored(), info + " " + warn);
            assertTrue(console().contains("fake-qemu: loaded FAKE-STATE serve"), console());
            assertTrue(console().contains("fake-qemu: POST /_/restored\n"), "the wrapper was told to re-seed");
            // The token the wrapper was armed with before the save comes back with the restore, from the entry.
            String token = Files.readString(state.resolveSibling(WarmStart.TOKEN_FILE)).trim();
            assertTrue(token.matches("[0-9a-f]{64}"), token);
            assertTrue(console().contains("fake-qemu: restore with token " + token + "\n"), console());
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(state.resolveSibling(WarmStart.TOKEN_FILE))));
            List<String> cmd = Files.readAllLines(dir.resolve("work").resolve(VirtualMachine.COMMAND_FILE));
            assertEquals("exec:cat " + Qemu.shellQuote(state.toAbsolutePath().toString()), cmd.get(cmd.size() - 1));
        }
        assertTrue(warn.isEmpty(), warn.toString());
    }

    @Test
    void aStateQemuCannotLoadIsDroppedSaidAndReplacedByAColdBoot() throws Exception {
        WarmStart warm = new WarmStart(dir.resolve("snapshots"));
        VmConfig c = config("serve", RootKind.INITRD, 64);
        boot(c, warm).close();
        String key = warm.plan(c, info::add).orElseThrow().key();
        Path state = dir.resolve("snapshots").resolve(key).resolve(SnapshotCache.STATE);
        assertTrue(Files.isRegularFile(state), "the cold boot saved its state: " + info + " " + warn);
        Files.writeString(state, "GARBAGE-STATE serve"); // same length as the real one: only QEMU notices
        Files.writeString(state.resolveSibling(SnapshotCache.COMPLETE), Files.size(state) + "\n");
        try (FunctionVm vm = boot(withPort(c, Ports.free()), warm)) {
            assertFalse(vm.restored());
            assertTrue(vm.isAlive());
        }
        assertTrue(warn.stream().anyMatch(l -> l.startsWith("Warm start failed (") && l.contains("load of migration failed")
                && l.endsWith("dropping the saved state, booting cold")), warn.toString());
        assertEquals("FAKE-STATE serve\n", Files.readString(state), "the cold boot saved a good state again");
    }

    @Test
    void aHalfWrittenEntryIsNotRestored() throws Exception {
        WarmStart warm = new WarmStart(dir.resolve("snapshots"));
        VmConfig c = config("serve", RootKind.INITRD, 64);
        String key = warm.plan(c, info::add).orElseThrow().key();
        Path entry = Files.createDirectories(dir.resolve("snapshots").resolve(key));
        Files.writeString(entry.resolve(SnapshotCache.STATE), "FAKE-STATE se"); // no complete marker
        assertTrue(warm.plan(c, info::add).orElseThrow().saved().isEmpty());
        Files.writeString(entry.resolve(SnapshotCache.COMPLETE), "999\n"); // a marker of another size
        assertTrue(warm.plan(c, info::add).orElseThrow().saved().isEmpty());
        try (FunctionVm vm = boot(c, warm)) {
            assertFalse(vm.restored());
        }
        assertEquals("FAKE-STATE serve\n", Files.readString(entry.resolve(SnapshotCache.STATE)));
    }

    @Test
    void aVmQemuRefusesToSaveKeepsServingAndLeavesNothingBehind() throws Exception {
        WarmStart warm = new WarmStart(dir.resolve("snapshots"));
        try (FunctionVm vm = boot(config("blocked", RootKind.INITRD, 64), warm)) {
            assertTrue(vm.isAlive());
            assertTrue(warn.stream().anyMatch(l -> l.startsWith("Warm start: could not save") && l.contains("VirtFS")),
                    warn.toString());
            assertEquals(java.util.Optional.empty(), vm.vm().haltedState(), "resumed after the failed save");
        }
        try (Stream<Path> s = Files.list(dir.resolve("snapshots"))) {
            assertTrue(s.noneMatch(Files::isDirectory), "no entry and no temp directory");
        }
    }

    @Test
    void theNinePRootAndNinePSharesAreNeverSavedAndSaySo() throws Exception {
        WarmStart warm = new WarmStart(dir.resolve("snapshots"));
        try (FunctionVm vm = boot(config("serve", RootKind.NINE_P, 64), warm)) {
            assertFalse(vm.restored());
        }
        assertTrue(info.stream().anyMatch(l -> l.startsWith("Warm start off for this VM: the 9p root")), info.toString());
        VmConfig c = config("serve", RootKind.INITRD, 64);
        VmConfig shared = new VmConfig(new Machine(Qemu.INSTANCE, c.machine().binary(), Accelerator.TCG, 64,
                List.of("-fsdev", "local,id=hostusr,path=/usr", "-device", "virtio-9p-pci,fsdev=hostusr"), "t"), c.guest());
        assertTrue(WarmStart.ineligible(shared).orElseThrow().contains("unikernel.qemuArgs adds a 9p share"));
        assertFalse(Files.exists(dir.resolve("snapshots")), "nothing saved");
    }

    @Test
    void aMissingInitrdIsNamedByTheStartNotByTheKey() throws Exception {
        VmConfig c = config("serve", RootKind.INITRD, 64);
        Files.delete(c.guest().fs0Initrd());
        VmException e = org.junit.jupiter.api.Assertions.assertThrows(VmException.class,
                () -> boot(c, new WarmStart(dir.resolve("snapshots"))));
        assertTrue(e.getMessage().contains("run the build goal"), e.getMessage());
    }

    @Test
    void theKeyCoversTheFunctionMemoryAndKernelButNotTheHostPort() throws Exception {
        VmConfig c = config("serve", RootKind.INITRD, 64);
        String key = WarmStart.inputs(c);
        assertEquals(key, WarmStart.inputs(withPort(c, Ports.free())), "the host port is host-side only");
        assertFalse(key.contains(c.guest().kernel().toString()) || key.contains(c.guest().fs0Initrd().toString()),
                "the files are named by their digests: " + key);
        assertNotEquals(key, WarmStart.inputs(config("serve", RootKind.INITRD, 96)), "memory");
        assertNotEquals(key, WarmStart.inputs(config("other", RootKind.INITRD, 64)), "kernel");
        Files.writeString(c.guest().fs0Initrd(), "function v2");
        assertNotEquals(key, WarmStart.inputs(c), "an edited function is never served from an old state");
    }

    @Test
    void theCacheKeepsTheNewestFewAndDropsTempDirectoriesOfKilledBuilds() throws Exception {
        SnapshotCache cache = new SnapshotCache(dir.resolve("snapshots"));
        Path stale = Files.createDirectories(dir.resolve("snapshots/.tmp-dead-1"));
        Files.setLastModifiedTime(stale, java.nio.file.attribute.FileTime.fromMillis(0));
        for (int i = 0; i < SnapshotCache.KEEP; i++) {
            cache.store("k" + i, "inputs " + i, f -> Files.writeString(f, "state"), info::add);
            Files.setLastModifiedTime(dir.resolve("snapshots/k" + i + "/" + SnapshotCache.COMPLETE),
                    java.nio.file.attribute.FileTime.fromMillis(1_000_000L * (i + 1)));
        }
        assertTrue(cache.find("k0").isPresent()); // a use makes the oldest the newest
        cache.store("k9", "inputs 9", f -> Files.writeString(f, "state"), info::add);
        for (String k : List.of("k0", "k2", "k9")) {
            assertTrue(cache.find(k).isPresent(), k);
        }
        assertTrue(cache.find("k1").isEmpty(), "the least recently used went");
        long left;
        try (Stream<Path> s = Files.list(dir.resolve("snapshots"))) {
            left = s.filter(Files::isDirectory).count();
        }
        assertEquals(SnapshotCache.KEEP, left);
        assertFalse(Files.exists(stale));
    }
}
