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
        assertTrue(info.stream().anyMatch(l -> l.matches("Guest clock: (0\\.9[89]|1\\.0[0-2])\\dx the host.s .*, within 2 %")),
                "a clock at the host's rate is measured and said: " + info);

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
    void aBootWhoseClockRunsSlowWarnsAndSavesNothing() throws Exception {
        WarmStart warm = new WarmStart(dir.resolve("snapshots"));
        VmConfig c = config("slowclock", RootKind.INITRD, 64);
        try (FunctionVm cold = boot(c, warm)) {
            assertFalse(cold.restored());
            assertTrue(cold.isAlive(), "the VM serves on, with the warning");
        }
        assertTrue(warn.stream().anyMatch(l -> l.matches("The guest.s clock runs at 0\\.(49|50?)[0-9]*x .*") && l.contains("slow")
                && l.contains("unikernel.invokeTimeout")), warn.toString());
        assertTrue(info.stream().anyMatch(l -> l.startsWith("Warm start: not saving this boot's state: its clock")),
                info.toString());
        assertTrue(warm.plan(c, info::add).orElseThrow().saved().isEmpty(), "no state from a skewed boot");
        assertFalse(console().contains("POST /_/restored"), "not even prepared for a save");
    }

    @Test
    void aStateQemuCannotLoadIsDroppedSaidAndReplacedByAColdBoot() throws Exception {
        WarmStart warm = new WarmStart(dir.resolve("snapshots"));
        VmConfig c = config("serve", RootKind.INITRD, 64);
        boot(c, warm).close();
        String key = warm.plan(c, info::add).orElseThrow().key();
        Path state = dir.resolve("snapshots").resolve(key).resolve(SnapshotCache.STATE);
        assertTrue(Files.isRegularFile(state), "the cold boot saved its state: " + info + " " + warn);
        Files.writeString(state, "GARBAGE-STATE serve"); // same length, and signed: only QEMU notices
        Files.writeString(state.resolveSibling(SnapshotCache.COMPLETE), Files.size(state) + "\n");
        Files.writeString(state.resolveSibling(SnapshotCache.MAC), SnapshotCache.mac(Files.readAllBytes(
                dir.resolve("snapshots").resolve(SnapshotCache.MAC_KEY)), key, WarmStart.inputs(c), state));
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
        assertTrue(warm.plan(c, info::add, warn::add).orElseThrow().saved().isEmpty());
        assertTrue(warn.get(0).endsWith(": the entry has no completion marker (a save that was cut short); booting cold"
                + " (the boot saves a fresh one)"), warn.toString());
        assertFalse(Files.exists(entry), "dropped");
        Files.createDirectories(entry);
        Files.writeString(entry.resolve(SnapshotCache.STATE), "FAKE-STATE se");
        Files.writeString(entry.resolve(SnapshotCache.COMPLETE), "999\n"); // a marker of another size
        assertTrue(warm.plan(c, info::add, warn::add).orElseThrow().saved().isEmpty());
        assertTrue(warn.get(1).contains("the state is 13 bytes where 999 were saved"), warn.toString());
        warn.clear();
        try (FunctionVm vm = boot(c, warm)) {
            assertFalse(vm.restored());
        }
        assertEquals("FAKE-STATE serve\n", Files.readString(entry.resolve(SnapshotCache.STATE)));
    }

    /** A cold boot that saved; returns the state file. */
    private Path saved(WarmStart warm, VmConfig c) throws Exception {
        boot(c, warm).close();
        String key = warm.plan(c, info::add).orElseThrow().key();
        Path state = dir.resolve("snapshots").resolve(key).resolve(SnapshotCache.STATE);
        assertTrue(Files.isRegularFile(state), "the cold boot saved its state: " + info + " " + warn);
        return state;
    }

    @Test
    void aTruncatedStateIsDroppedSayingWhyAndTheColdBootSavesAFreshOne() throws Exception {
        WarmStart warm = new WarmStart(dir.resolve("snapshots"));
        VmConfig c = config("serve", RootKind.INITRD, 64);
        Path state = saved(warm, c);
        Files.write(state, java.util.Arrays.copyOf(Files.readAllBytes(state), 5)); // the disk lost its tail
        try (FunctionVm vm = boot(withPort(c, Ports.free()), warm)) {
            assertFalse(vm.restored());
        }
        assertTrue(warn.stream().anyMatch(l -> l.startsWith("Warm start: dropping the saved state in " + state.getParent())
                && l.contains("the state is 5 bytes where 17 were saved (truncated")), warn.toString());
        assertEquals("FAKE-STATE serve\n", Files.readString(state), "saved afresh");
    }

    @Test
    void aStateWithPatchedRamIsNeverRestored() throws Exception {
        WarmStart warm = new WarmStart(dir.resolve("snapshots"));
        VmConfig c = config("serve", RootKind.INITRD, 64);
        Path state = saved(warm, c);
        Files.writeString(state, Files.readString(state).replace("serve", "PWNED")); // same size, QEMU would load it
        try (FunctionVm vm = boot(withPort(c, Ports.free()), warm)) {
            assertFalse(vm.restored(), "restored a state that was changed on disk");
        }
        assertTrue(warn.stream().anyMatch(l -> l.equals("Warm start: dropping the saved state in " + state.getParent()
                + ": the state does not match its MAC: it was changed after it was saved; booting cold (the boot saves a"
                + " fresh one)")), warn.toString());
        assertEquals("FAKE-STATE serve\n", Files.readString(state));
    }

    @Test
    void aStateWithoutAMacOrCopiedUnderAnotherKeyIsNotRestored() throws Exception {
        WarmStart warm = new WarmStart(dir.resolve("snapshots"));
        VmConfig c = config("serve", RootKind.INITRD, 64);
        Path state = saved(warm, c);
        String key = state.getParent().getFileName().toString();
        SnapshotCache cache = warm.cache();
        assertTrue(cache.lookup(key, WarmStart.inputs(c)).state().isPresent());
        assertEquals(java.util.Optional.empty(), cache.verify(key, WarmStart.inputs(c)));
        assertTrue(cache.verify(key, WarmStart.inputs(c) + "other\n").orElseThrow().contains("does not match its MAC"),
                "the MAC binds the state to what its key covers");
        Files.delete(state.resolveSibling(SnapshotCache.MAC));
        assertEquals("it has no MAC (saved by an older plugin)", cache.lookup(key, WarmStart.inputs(c)).unusable()
                .orElseThrow());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(
                dir.resolve("snapshots").resolve(SnapshotCache.MAC_KEY))), "the cache's key is the owner's only");
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(
                dir.resolve("snapshots"))), "states are guest RAM");
    }

    @Test
    void aFullDiskSaysNoSpaceLeftNotBrokenPipeAndLeavesNoEntry() throws Exception {
        long[] free = {Long.MAX_VALUE};
        SnapshotCache cache = new SnapshotCache(dir.resolve("snapshots"), d -> free[0]);
        // The disk fills while QEMU writes: cat fails, and QEMU reports its pipe.
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> cache.store("k", "inputs", 64 << 20, f -> {
                    Files.writeString(f, "half a state");
                    free[0] = 0;
                    throw new java.io.IOException("the migration failed: Broken pipe");
                }, info::add));
        assertTrue(e.getMessage().startsWith("no space left on " + dir.resolve("snapshots")), e.getMessage());
        assertTrue(e.getMessage().contains("-Dunikernel.warmStart=false"), e.getMessage());
        try (Stream<Path> s = Files.list(dir.resolve("snapshots"))) {
            assertTrue(s.noneMatch(Files::isDirectory), "no entry and no half-written temp directory");
        }
        // Less free than a state can take: the guest is not even paused.
        free[0] = 10 << 20;
        boolean[] called = {false};
        e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> cache.store("k", "inputs", 64 << 20, f -> called[0] = true, info::add));
        assertTrue(e.getMessage().contains("no space left on") && e.getMessage().contains("10 MB free"), e.getMessage());
        assertFalse(called[0]);
        // Through the boot: the VM serves on and the log says why nothing was saved.
        WarmStart warm = new WarmStart(cache);
        try (FunctionVm vm = boot(config("serve", RootKind.INITRD, 64), warm)) {
            assertTrue(vm.isAlive());
        }
        assertTrue(warn.stream().anyMatch(l -> l.startsWith("Warm start: could not save the VM's state (no space left on ")),
                warn.toString());
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
    void twoCopiesOfAProjectInDifferentDirectoriesShareTheKey() throws Exception {
        VmConfig a = config("serve", RootKind.INITRD, 64);
        Path other = Files.createDirectories(dir.resolve("elsewhere/copy"));
        Path kernel = Files.copy(a.guest().kernel(), other.resolve("kernel"));
        Path cpio = Files.copy(a.guest().fs0Initrd(), other.resolve("fs0.cpio"));
        Path fs0 = Files.createDirectories(other.resolve("fs0"));
        VmConfig b = new VmConfig(a.machine(), new Guest(kernel, null, a.guest().kernelArgs(), RootKind.INITRD, fs0,
                cpio, Ports.free(), 8123, VirtioMode.LEGACY));
        String inputs = WarmStart.inputs(a);
        assertEquals(inputs, WarmStart.inputs(b));
        // Maven runs in the project's directory: nothing host-side such as the QMP socket may depend on it.
        String cwd = Path.of("").toAbsolutePath().toString();
        assertFalse(inputs.contains(cwd) || WarmStart.inputs(b).contains(other.toString()), inputs);
    }

    @Test
    void theCacheKeepsTheNewestFewAndDropsTempDirectoriesOfKilledBuilds() throws Exception {
        SnapshotCache cache = new SnapshotCache(dir.resolve("snapshots"));
        Path stale = Files.createDirectories(dir.resolve("snapshots/.tmp-dead-1"));
        Files.setLastModifiedTime(stale, java.nio.file.attribute.FileTime.fromMillis(0));
        for (int i = 0; i < SnapshotCache.KEEP; i++) {
            cache.store("k" + i, "inputs " + i, 0, f -> Files.writeString(f, "state"), info::add);
            Files.setLastModifiedTime(dir.resolve("snapshots/k" + i + "/" + SnapshotCache.COMPLETE),
                    java.nio.file.attribute.FileTime.fromMillis(1_000_000L * (i + 1)));
        }
        assertTrue(cache.find("k0", "inputs 0").isPresent()); // a use makes the oldest the newest
        cache.store("k9", "inputs 9", 0, f -> Files.writeString(f, "state"), info::add);
        for (String k : List.of("k0", "k2", "k9")) {
            assertTrue(cache.find(k, "inputs " + k.substring(1)).isPresent(), k);
        }
        assertTrue(cache.find("k1", "inputs 1").isEmpty(), "the least recently used went");
        long left;
        try (Stream<Path> s = Files.list(dir.resolve("snapshots"))) {
            left = s.filter(Files::isDirectory).count();
        }
        assertEquals(SnapshotCache.KEEP, left);
        assertFalse(Files.exists(stale));
    }
}
