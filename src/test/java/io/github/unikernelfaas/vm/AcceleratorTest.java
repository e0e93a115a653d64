package io.github.unikernelfaas.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Choosing the accelerator from the setting, the host's KVM and a remembered verdict. */
class AcceleratorTest {
    @TempDir
    Path dir;

    private KvmHost host(boolean device, String... modules) throws Exception {
        Path sys = Files.createDirectories(dir.resolve("sys-module"));
        for (String m : modules) {
            Files.createDirectories(sys.resolve(m));
        }
        Path kvm = dir.resolve("kvm");
        if (device && !Files.exists(kvm)) {
            Files.createFile(kvm);
        }
        return new KvmHost(kvm, sys);
    }

    @Test
    void missingDeviceMeansTcgWithAReason() throws Exception {
        AcceleratorChoice c = AcceleratorChoice.choose("auto", host(false), Optional::empty);
        assertEquals(Accelerator.TCG, c.first());
        assertTrue(c.note().orElseThrow().contains("does not exist"), c.note().toString());
    }

    @Test
    void usableDeviceMeansKvmWithFallback() throws Exception {
        AcceleratorChoice c = AcceleratorChoice.choose("auto", host(true, "kvm", "kvm_intel"), Optional::empty);
        assertEquals(Accelerator.KVM, c.first());
        assertTrue(c.fallBackToTcg());
        assertTrue(c.note().isEmpty());
        AcceleratorChoice forced = AcceleratorChoice.choose("kvm", host(true, "kvm", "kvm_amd"), Optional::empty);
        assertEquals(Accelerator.KVM, forced.first());
        assertFalse(forced.fallBackToTcg(), "an explicit kvm never falls back");
        assertEquals(Accelerator.TCG, AcceleratorChoice.choose("TCG", host(true, "kvm_intel"), Optional::empty).first());
    }

    @Test
    void paravirtualisedKvmIsRuledOutBeforeAnyBoot() throws Exception {
        KvmHost pvm = host(true, "kvm", "kvm_pvm");
        assertTrue(pvm.problem().orElseThrow().contains("kvm_pvm"));
        AcceleratorChoice c = AcceleratorChoice.choose("auto", pvm, Optional::empty);
        assertEquals(Accelerator.TCG, c.first());
        assertTrue(c.note().orElseThrow().contains("-Dunikernel.accel=tcg"), c.note().toString());
        VmException e = assertThrows(VmException.class, () -> AcceleratorChoice.choose("kvm", pvm, Optional::empty));
        assertTrue(e.getMessage().contains("kvm_pvm") && e.getMessage().contains("-Dunikernel.accel=tcg"),
                e.getMessage());
        assertTrue(host(true, "kvm_pvm", "kvm_intel").problem().isEmpty(), "hardware KVM beside PVM is tried");
    }

    @Test
    void aRememberedFailureMeansTcgAtOnce() throws Exception {
        AcceleratorChoice c = AcceleratorChoice.choose("auto", host(true, "kvm_intel"), () -> Optional.of("halted"));
        assertEquals(Accelerator.TCG, c.first());
        assertTrue(c.note().orElseThrow().contains("halted"));
        assertThrows(VmException.class, () -> AcceleratorChoice.choose("kvm", host(true, "kvm_intel"),
                () -> Optional.of("halted")));
    }

    @Test
    void verdictsAreKeyedByHostQemuAndKernel() throws Exception {
        Path qemu = Files.writeString(dir.resolve("qemu"), "q");
        Path rel = Files.writeString(dir.resolve("osrelease"), "6.1.0\n");
        Path fs0 = Files.createDirectories(dir.resolve("fs0"));
        VmConfig one = new VmConfig(new Machine(Qemu.INSTANCE, qemu, Accelerator.KVM, 64, java.util.List.of(), "t"),
                new Guest(Files.writeString(dir.resolve("k1"), "one"), null, "", RootKind.NINE_P, fs0, null, 1, 2, VirtioMode.LEGACY));
        VmConfig two = new VmConfig(new Machine(Qemu.INSTANCE, qemu, Accelerator.KVM, 64, java.util.List.of(), "t"),
                new Guest(Files.writeString(dir.resolve("k2"), "two"), null, "", RootKind.NINE_P, fs0, null, 1, 2, VirtioMode.LEGACY));
        KvmVerdicts v = new KvmVerdicts(dir.resolve("cache"), rel);
        assertTrue(v.failure(one).isEmpty());
        v.recordFailure(one, "QEMU stopped the guest in state internal-error");
        assertTrue(v.failure(one).orElseThrow().contains("internal-error"));
        assertTrue(v.failure(one).orElseThrow().contains("delete it"), "says how to retry KVM");
        assertTrue(v.failure(two).isEmpty(), "another kernel is tried again");
        Files.writeString(rel, "6.2.0\n");
        assertTrue(v.failure(one).isEmpty(), "another host kernel is tried again");
    }

    @Test
    void theRememberedVerdictIsLookedUpOnlyWhenKvmIsStillInPlay() throws Exception {
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        java.util.function.Supplier<Optional<String>> verdict = () -> {
            asked.incrementAndGet();
            return Optional.empty();
        };
        KvmHost pvm = host(true, "kvm_pvm");
        AcceleratorChoice.choose("tcg", pvm, verdict);
        AcceleratorChoice.choose("auto", pvm, verdict);
        assertEquals(0, asked.get(), "no kernel hashing for tcg, nor when the host rules KVM out");
        AcceleratorChoice.choose("auto", host(true, "kvm_intel"), verdict);
        assertEquals(1, asked.get());
    }

    @Test
    void unknownSettingIsRejected() throws Exception {
        VmException e = assertThrows(VmException.class, () -> AcceleratorChoice.choose("hvf", host(false),
                Optional::empty));
        assertTrue(e.getMessage().contains("auto, kvm or tcg"), e.getMessage());
    }
}
