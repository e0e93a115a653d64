package io.github.unikernelfaas.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.invoke.FunctionClient;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The VM's life (start, readiness, fail-fast, stop, sweep) against a scripted stand-in for QEMU. */
class FunctionVmTest {
    @TempDir
    Path dir;

    private final HttpClient http = FunctionClient.newHttpClient();
    private final List<String> log = new ArrayList<>();

    private VmConfig config(String mode) throws Exception {
        Path qemu = dir.resolve("qemu-system-fake");
        Files.copy(Path.of("src/test/resources/fake-qemu/qemu-system-fake"), qemu, StandardCopyOption.REPLACE_EXISTING);
        qemu.toFile().setExecutable(true);
        Path kernel = Files.writeString(dir.resolve("kernel-" + mode), mode);
        Path fs0 = Files.createDirectories(dir.resolve("fs0"));
        return new VmConfig(new Machine(Qemu.INSTANCE, qemu, Accelerator.TCG, 64, List.of(), "t"),
                new Guest(kernel, null, "", RootKind.NINE_P, fs0, null, Ports.free(), 8123, VirtioMode.LEGACY));
    }

    @Test
    void bootsWaitsForHealthAndStopsOnClose() throws Exception {
        VirtualMachine vm;
        try (FunctionVm fvm = FunctionVm.boot(config("serve"), dir.resolve("work"), http, Duration.ofSeconds(30),
                log::add)) {
            vm = fvm.vm();
            assertTrue(vm.isAlive());
            assertTrue(fvm.bootSeconds() > 0);
            assertEquals(Long.toString(vm.pid()), Files.readAllLines(dir.resolve("work/qemu.pid")).get(0));
        }
        assertFalse(vm.isAlive(), "closing stops QEMU");
        assertFalse(Files.exists(dir.resolve("work/qemu.pid")), "the pidfile goes with it");
        assertTrue(Files.readString(dir.resolve("work/console.log")).contains("fake-qemu: listening"));
        assertEquals(Qemu.INSTANCE.command(vm.config(), dir.resolve("work/qmp.sock")), Files.readAllLines(dir.resolve("work/qemu-command.txt")),
                "the exact command line is kept beside the console");
    }

    @Test
    void aQmpSocketThatIsBoundButNotYetListeningIsWaitedFor() throws Exception {
        VirtualMachine vm = VirtualMachine.start(config("lateqmp"), dir.resolve("work/console.log"),
                dir.resolve("work/qemu.pid"));
        try {
            Path socket = dir.resolve("work/qmp.sock");
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!Files.exists(socket) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(Files.exists(socket), "the fake bound its QMP socket");
            // Refused for a second after bind(): a save asked for then goes ahead once QEMU listens.
            Path state = dir.resolve("state");
            vm.saveState(state, Duration.ofSeconds(10));
            assertEquals("FAKE-STATE lateqmp\n", Files.readString(state));
        } finally {
            vm.close();
        }
    }

    @Test
    void aGuestThatDiesFailsFastWithTheConsoleTail() throws Exception {
        long t0 = System.nanoTime();
        VmException e = assertThrows(VmException.class, () -> FunctionVm.boot(config("die"), dir.resolve("work"),
                http, Duration.ofSeconds(60), log::add));
        assertTrue((System.nanoTime() - t0) / 1e9 < 30, "did not wait for the boot timeout");
        assertTrue(e.getMessage().contains("QEMU exited with code 3"), e.getMessage());
        assertTrue(e.getMessage().contains("| fake-qemu: guest panic"), e.getMessage());
    }

    @Test
    void aCrashNamesTheKernelsSymbolsWhenTheyAreBesideIt() throws Exception {
        VmConfig c = config("die");
        Files.writeString(c.guest().kernel().resolveSibling(c.guest().kernel().getFileName() + ".dbg"), "symbols");
        VmException e = assertThrows(VmException.class, () -> FunctionVm.boot(c, dir.resolve("work"), http,
                Duration.ofSeconds(60), log::add));
        assertTrue(e.getMessage().contains("kernel-die.dbg"), e.getMessage());
        assertTrue(e.getMessage().contains("addr2line"), e.getMessage());
    }

    @Test
    void aGuestThatNeverAnswersTimesOutAndIsStopped() throws Exception {
        VmConfig c = config("hang");
        VmException e = assertThrows(VmException.class, () -> FunctionVm.boot(c, dir.resolve("work"), http,
                Duration.ofSeconds(2), log::add));
        assertTrue(e.getMessage().contains("did not become ready within 2 s"), e.getMessage());
        assertTrue(e.getMessage().contains("| fake-qemu: booting in mode hang"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("work/qemu.pid")), "the hung VM was stopped");
    }

    @Test
    void aLongWaitForHealthSaysSoEveryFewSeconds() throws Exception {
        VmConfig c = config("hang");
        assertThrows(VmException.class, () -> FunctionVm.boot(c, dir.resolve("work"), http, Duration.ofSeconds(6),
                log::add));
        List<String> waits = log.stream().filter(l -> l.startsWith("Waiting for /health: ")).toList();
        assertEquals(1, waits.size(), String.valueOf(log));
        assertTrue(waits.get(0).matches("Waiting for /health: [56] s of 6 s under TCG.* \\(last: .+\\)"), waits.get(0));
    }

    private FunctionVm bootAuto(VmConfig c, KvmVerdicts verdicts, List<String> warnings) {
        return FunctionVm.boot(c, new AcceleratorChoice(Accelerator.KVM, true, Optional.empty()), verdicts,
                dir.resolve("work"), VmRecord.inWorkDir(dir.resolve("work")), http, Duration.ofSeconds(30),
                new BootLog(log::add, warnings::add));
    }

    @Test
    void kvmThatKillsQemuFallsBackToTcgWhenAutoDetected() throws Exception {
        List<String> warnings = new ArrayList<>();
        try (FunctionVm vm = bootAuto(config("nokvm"), null, warnings)) {
            assertEquals(Accelerator.TCG, vm.accelerator());
        }
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("booting under TCG instead"), warnings.toString());
        assertTrue(warnings.get(0).contains("kvm_buf_set_msrs"), warnings.toString());
    }

    @Test
    void aGuestHaltedByKvmIsSeenOverQmpFallsBackFastAndIsRemembered() throws Exception {
        VmConfig c = config("kvmhalt");
        KvmVerdicts verdicts = new KvmVerdicts(dir.resolve("cache/accel"));
        List<String> warnings = new ArrayList<>();
        long t0 = System.nanoTime();
        try (FunctionVm vm = bootAuto(c, verdicts, warnings)) {
            assertEquals(Accelerator.TCG, vm.accelerator());
        }
        assertTrue((System.nanoTime() - t0) / 1e9 < FunctionVm.KVM_TRIAL.toSeconds(),
                "QMP's run state ends the KVM attempt before the trial window");
        assertTrue(warnings.get(0).contains("state internal-error"), warnings.toString());
        assertTrue(verdicts.failure(c).orElseThrow().contains("internal-error"));
        assertTrue(Files.readString(dir.resolve("work/qemu-command.txt")).contains("tcg"),
                "the recorded command line is the one that ran");
    }

    @Test
    void theKvmErrorOnTheConsoleIsASecondSignal() throws Exception {
        List<String> warnings = new ArrayList<>();
        try (FunctionVm vm = bootAuto(config("kvmerror"), null, warnings)) {
            assertEquals(Accelerator.TCG, vm.accelerator());
        }
        assertTrue(warnings.get(0).contains("state internal-error"), warnings.toString());
    }

    @Test
    void explicitKvmFailsNamingKvmAndTheTcgSetting() throws Exception {
        VmConfig c = config("kvmhalt").withAccelerator(Accelerator.KVM);
        KvmVerdicts verdicts = new KvmVerdicts(dir.resolve("cache/accel"));
        VmException e = assertThrows(VmException.class, () -> FunctionVm.boot(c,
                AcceleratorChoice.of(Accelerator.KVM), verdicts, dir.resolve("work"), VmRecord.inWorkDir(dir.resolve("work")),
                http, Duration.ofSeconds(60),
                BootLog.to(log::add)));
        assertTrue(e.getMessage().contains("does not run under KVM"), e.getMessage());
        assertTrue(e.getMessage().contains("-Dunikernel.accel=tcg"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("work/qemu.pid")), "the halted VM was stopped");
        assertTrue(verdicts.failure(c).isPresent(), "remembered, so auto starts under TCG next time");
    }

    @Test
    void explicitKvmThatKillsQemuDoesNotFallBack() throws Exception {
        VmConfig forced = config("nokvm").withAccelerator(Accelerator.KVM);
        VmException e = assertThrows(VmException.class, () -> FunctionVm.boot(forced, dir.resolve("work"), http,
                Duration.ofSeconds(30), log::add));
        assertTrue(e.getMessage().contains("kvm_buf_set_msrs"), e.getMessage());
    }

    @Test
    void aBootTimeoutNamesTheAccelerator() throws Exception {
        VmException e = assertThrows(VmException.class, () -> FunctionVm.boot(config("hang"), dir.resolve("work"),
                http, Duration.ofSeconds(1), log::add));
        assertTrue(e.getMessage().contains("under TCG"), e.getMessage());
    }

    @Test
    void onlyKvmCausesCountAsKvmFailures() {
        assertTrue(FunctionVm.kvmFailure(new BootTimeoutException("t"), true).isPresent(), "trial window ran out");
        assertTrue(FunctionVm.kvmFailure(new BootTimeoutException("t"), false).isEmpty(), "a real timeout");
        assertTrue(FunctionVm.kvmFailure(new QemuExitedException("x", List.of("guest panic")), true).isEmpty());
        assertTrue(FunctionVm.kvmFailure(new QemuExitedException("x", List.of("Could not access KVM kernel module")),
                false).isPresent());
        assertTrue(FunctionVm.kvmFailure(new VmException("other"), true).isEmpty());
    }

    @Test
    void theInitrdRootFollowsTheKernelsOwnInitrdOnA4ByteBoundary() throws Exception {
        VmConfig c = config("serve");
        Path own = Files.write(dir.resolve("own.img"), new byte[] {1, 2, 3, 4, 5});
        Path cpio = Files.write(dir.resolve("fs0.cpio"), new byte[] {9, 9});
        VmConfig initrd = new VmConfig(new Machine(Qemu.INSTANCE, c.machine().binary(), Accelerator.TCG, 64, List.of(), "t"),
                new Guest(c.guest().kernel(), own, "", RootKind.INITRD, null, cpio, c.guest().hostPort(), 8123, VirtioMode.LEGACY));
        try (FunctionVm vm = FunctionVm.boot(initrd, dir.resolve("work"), http, Duration.ofSeconds(30), log::add)) {
            List<String> cmd = Files.readAllLines(dir.resolve("work/qemu-command.txt"));
            Path combined = Path.of(cmd.get(cmd.indexOf("-initrd") + 1));
            org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 0, 0, 0, 9, 9},
                    Files.readAllBytes(combined));
            assertFalse(cmd.contains("-fsdev"));
        }
    }

    @Test
    void theCombinedInitrdBesideARunTimeCopyIsOwnerOnlyWhileTheVmRuns() throws Exception {
        VmConfig c = config("serve");
        Path own = Files.write(dir.resolve("own.img"), new byte[] {1, 2, 3, 4});
        Path run = Files.createDirectory(dir.resolve("run"), java.nio.file.attribute.PosixFilePermissions
                .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        Path cpio = Files.write(run.resolve("fs0.cpio"), "secret".getBytes());
        VmConfig initrd = new VmConfig(c.machine(), new Guest(c.guest().kernel(), own, "", RootKind.INITRD, null, cpio,
                c.guest().hostPort(), 8123, VirtioMode.LEGACY));
        try (FunctionVm vm = FunctionVm.boot(initrd, dir.resolve("work"), http, Duration.ofSeconds(30), log::add)) {
            Path combined = run.resolve(Qemu.COMBINED_INITRD);
            assertTrue(Files.isRegularFile(combined));
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(combined)), "it holds fs0's CPIO, which holds the secrets");
        }
    }

    @Test
    void aMissingInitrdRootSaysHowToBuildIt() throws Exception {
        VmConfig c = config("serve");
        VmConfig initrd = new VmConfig(new Machine(Qemu.INSTANCE, c.machine().binary(), Accelerator.TCG, 64, List.of(), "t"),
                new Guest(c.guest().kernel(), null, "", RootKind.INITRD, null, dir.resolve("no.cpio"), c.guest().hostPort(), 8123, VirtioMode.LEGACY));
        VmException e = assertThrows(VmException.class, () -> FunctionVm.boot(initrd, dir.resolve("work"), http,
                Duration.ofSeconds(5), log::add));
        assertTrue(e.getMessage().contains("-Dunikernel.rootfs=initrd"), e.getMessage());
    }

    @Test
    void missingKernelIsNamed() throws Exception {
        VmConfig c = config("serve");
        VmConfig bad = new VmConfig(new Machine(Qemu.INSTANCE, c.machine().binary(), Accelerator.TCG, 64, List.of(), null),
                new Guest(dir.resolve("nope"), null, "", RootKind.NINE_P, c.guest().fs0(), null, c.guest().hostPort(), 8123, VirtioMode.LEGACY));
        VmException e = assertThrows(VmException.class, () -> FunctionVm.boot(bad, dir.resolve("work"), http,
                Duration.ofSeconds(5), log::add));
        assertTrue(e.getMessage().contains("unikernel.kernel"), e.getMessage());
    }

    @Test
    void sweeperStopsAQemuLeftBehindButNotOtherProcesses() throws Exception {
        VmConfig c = config("hang");
        Process orphan = new ProcessBuilder(c.machine().binary().toString(), "-kernel", c.guest().kernel().toString(), "-netdev",
                "user,hostfwd=tcp:127.0.0.1:" + c.guest().hostPort() + "-:1").start();
        Process other = new ProcessBuilder("sleep", "60").start();
        try {
            Path pidFile = dir.resolve("qemu.pid");
            StaleVmSweeper.record(pidFile, orphan.pid());
            assertEquals(Optional.of(orphan.pid()), StaleVmSweeper.sweep(pidFile, Qemu.INSTANCE, log::add));
            assertTrue(orphan.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "the orphan was stopped");
            assertFalse(Files.exists(pidFile));

            StaleVmSweeper.record(pidFile, other.pid());
            assertEquals(Optional.empty(), StaleVmSweeper.sweep(pidFile, Qemu.INSTANCE, log::add));
            assertTrue(other.isAlive(), "a process that is not QEMU is never touched");
        } finally {
            orphan.destroyForcibly();
            other.destroyForcibly();
        }
    }

    @Test
    void theRecordOfARunningVmLivesInTheCacheAndOutlivesTarget() throws Exception {
        Path project = Files.createDirectories(dir.resolve("my-fn"));
        Path target = project.resolve("target");
        VmRecord record = VmRecord.forProject(dir.resolve("cache"), project);
        assertTrue(record.file().getFileName().toString().matches("[0-9a-f]{16}-" + ProcessHandle.current().pid()
                + "\\.pid"), record.toString());
        assertEquals(dir.resolve("cache/vms"), record.file().getParent());
        assertEquals(record, VmRecord.forProject(dir.resolve("cache"), project.resolve("../my-fn")),
                "one record per project directory, however it is spelt");

        VmConfig c = config("serve");
        FunctionVm orphan = boot(c, target.resolve("unikernel"), record);
        FunctionVm next = null;
        try {
            List<String> lines = Files.readAllLines(record.file());
            assertEquals(List.of(Long.toString(orphan.vm().pid()), "name=t", "owner=" + ProcessHandle.current().pid()
                    + " " + ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli(),
                    "project=" + project), lines);
            // What a killed build followed by mvn clean leaves: a running VM and no target/.
            io.github.unikernelfaas.host.Trees.delete(target);
            assertTrue(Files.exists(record.file()), "the record is not in target/");

            Guest g = c.guest();
            VmConfig again = new VmConfig(c.machine(), new Guest(g.kernel(), g.initrd(), g.kernelArgs(), g.root(), g.fs0(),
                    g.fs0Initrd(), Ports.free(), g.guestPort(), g.virtio()));
            next = boot(again, target.resolve("unikernel"), record);
            assertFalse(orphan.isAlive(), "the sweep stopped the orphan before booting");
            assertTrue(log.stream().anyMatch(l -> l.contains("Stopping QEMU (pid " + orphan.vm().pid() + ")")),
                    log.toString());
            assertEquals(Long.toString(next.vm().pid()), Files.readAllLines(record.file()).get(0));
        } finally {
            orphan.close();
            if (next != null) {
                next.close();
            }
        }
        assertFalse(Files.exists(record.file()), "the record goes with the last VM");
    }

    @Test
    void aBuildBootsASecondVmInAnotherSlotWithoutSweepingItsFirst() throws Exception {
        Path project = Files.createDirectories(dir.resolve("my-fn"));
        VmRecord first = VmRecord.forProject(dir.resolve("cache"), project);
        VmRecord second = first.slot(1);
        assertEquals(first.file().getFileName().toString().replace(".pid", "-1.pid"),
                second.file().getFileName().toString());
        assertEquals(second, second.slot(1), "a slot of a slot is the same build's slot");

        VmConfig c = config("serve");
        Guest g = c.guest();
        VmConfig beside = new VmConfig(c.machine(), new Guest(g.kernel(), g.initrd(), g.kernelArgs(), g.root(), g.fs0(),
                g.fs0Initrd(), Ports.free(), g.guestPort(), g.virtio()));
        FunctionVm a = boot(c, dir.resolve("a"), first);
        FunctionVm b = null;
        try {
            assertFalse(second.sweepable().contains(first.file()), "the second's boot does not sweep the first");
            assertFalse(first.sweepable().contains(second.file()), "nor the other way round");
            b = boot(beside, dir.resolve("b"), second);
            assertTrue(a.isAlive(), "the first VM keeps running while the second boots");
            assertTrue(b.isAlive());
            assertEquals(Long.toString(b.vm().pid()), Files.readAllLines(second.file()).get(0));
            assertEquals(Long.toString(a.vm().pid()), Files.readAllLines(first.file()).get(0));
        } finally {
            a.close();
            if (b != null) {
                b.close();
            }
        }
        assertFalse(Files.exists(first.file()));
        assertFalse(Files.exists(second.file()));

        // A killed build's slots are swept by the next build like its first record.
        Process theirBuild = new ProcessBuilder("true").start();
        theirBuild.waitFor();
        VmRecord theirSlot = VmRecord.forProject(dir.resolve("cache"), project, theirBuild.pid()).slot(1);
        StaleVmSweeper.record(theirSlot.file(), theirBuild.pid(), null, project, theirBuild.toHandle());
        assertTrue(first.sweepable().contains(theirSlot.file()), first.sweepable().toString());
    }

    private FunctionVm boot(VmConfig c, Path workDir, VmRecord record) {
        return FunctionVm.boot(c, AcceleratorChoice.of(Accelerator.TCG), null, workDir, record, http,
                Duration.ofSeconds(30), new BootLog(log::add, log::add));
    }

    @Test
    void theSweepLeavesARecycledPidAloneAndAQemuOfAnotherProject() throws Exception {
        VmConfig c = config("hang");
        Process otherQemu = new ProcessBuilder(c.machine().binary().toString(), "-kernel", c.guest().kernel().toString(),
                "-netdev", "user,hostfwd=tcp:127.0.0.1:" + c.guest().hostPort() + "-:1", "-name", "unikernel-faas:other")
                .start();
        Process notQemu = new ProcessBuilder("sleep", "60").start();
        try {
            Path record = dir.resolve("cache/vms/0123456789abcdef.pid");
            StaleVmSweeper.record(record, notQemu.pid(), "unikernel-faas:mine", dir);
            assertEquals(Optional.empty(), StaleVmSweeper.sweep(record, Qemu.INSTANCE, log::add));
            assertTrue(notQemu.isAlive(), "a recycled pid of another program is never touched");
            assertFalse(Files.exists(record), "the stale record is dropped");

            StaleVmSweeper.record(record, otherQemu.pid(), "unikernel-faas:mine", dir);
            assertEquals(Optional.empty(), StaleVmSweeper.sweep(record, Qemu.INSTANCE, log::add));
            assertTrue(otherQemu.isAlive(), "a QEMU without this project's -name tag is not ours");
        } finally {
            otherQemu.destroyForcibly();
            notQemu.destroyForcibly();
        }
    }

    @Test
    void theSweepLeavesTheVmOfABuildThatIsStillRunningAlone() throws Exception {
        VmConfig c = config("hang");
        Process theirQemu = new ProcessBuilder(c.machine().binary().toString(), "-kernel", c.guest().kernel().toString(),
                "-netdev", "user,hostfwd=tcp:127.0.0.1:" + c.guest().hostPort() + "-:1").start();
        Process theirBuild = new ProcessBuilder("sleep", "60").start();
        try {
            Path project = Files.createDirectories(dir.resolve("my-fn"));
            VmRecord theirs = VmRecord.forProject(dir.resolve("cache"), project, theirBuild.pid());
            VmRecord ours = VmRecord.forProject(dir.resolve("cache"), project);
            StaleVmSweeper.record(theirs.file(), theirQemu.pid(), null, project, theirBuild.toHandle());
            assertEquals(List.of(theirs.file()), ours.sweepable(), "the other build's record is looked at");

            assertEquals(Optional.empty(), StaleVmSweeper.sweep(theirs.file(), Qemu.INSTANCE, log::add));
            assertTrue(theirQemu.isAlive(), "a VM whose build still runs is left alone");
            assertTrue(Files.exists(theirs.file()), "and so is its record");
            assertTrue(log.stream().anyMatch(l -> l.contains("Leaving QEMU (pid " + theirQemu.pid() + ") alone: the"
                    + " build that started it (pid " + theirBuild.pid() + ") is still running")), log.toString());

            theirBuild.destroyForcibly().waitFor();  // killed before its shutdown hook ran
            assertEquals(Optional.of(theirQemu.pid()), StaleVmSweeper.sweep(theirs.file(), Qemu.INSTANCE, log::add));
            assertTrue(theirQemu.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "an orphan once its build is gone");
            assertFalse(Files.exists(theirs.file()));
        } finally {
            theirQemu.destroyForcibly();
            theirBuild.destroyForcibly();
        }
    }

    @Test
    void anOwnerPidThatWasRecycledIsNotTheOwner() throws Exception {
        Process other = new ProcessBuilder("sleep", "60").start();
        try {
            long pid = other.pid();
            String started = other.toHandle().info().startInstant().orElseThrow().toEpochMilli() + "";
            assertTrue(StaleVmSweeper.liveOwner(pid + " " + started).isPresent());
            assertTrue(StaleVmSweeper.liveOwner(pid + " -").isPresent(), "no start time recorded: the pid decides");
            assertFalse(StaleVmSweeper.liveOwner(pid + " 12345").isPresent(), "started at another time: recycled");
            assertFalse(StaleVmSweeper.liveOwner(ProcessHandle.current().pid() + " -").isPresent(),
                    "a VM this JVM left running is stale");
            assertFalse(StaleVmSweeper.liveOwner(null).isPresent(), "an older record without an owner");
        } finally {
            other.destroyForcibly();
        }
    }

    @Test
    void takenPortIsReportedWithTheSetting() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            VmException e = assertThrows(VmException.class, () -> Ports.requireFree(s.getLocalPort(), "unikernel.port"));
            assertTrue(e.getMessage().contains("already in use"), e.getMessage());
            assertTrue(e.getMessage().contains("-Dunikernel.port="), e.getMessage());
        }
    }

    @Test
    void missingQemuNamesTheAptPackage() {
        io.github.unikernelfaas.host.HostToolException e = assertThrows(
                io.github.unikernelfaas.host.HostToolException.class,
                () -> Qemu.INSTANCE.locate(null, dir.toString()));
        assertTrue(e.getMessage().contains("apt-get install --no-install-recommends qemu-system-x86"), e.getMessage());
    }
}
