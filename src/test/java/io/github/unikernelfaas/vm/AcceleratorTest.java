package io.github.unikernelfaas.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcceleratorTest {
    @TempDir
    Path dir;

    @Test
    void missingDeviceMeansTcg() {
        assertEquals(Accelerator.TCG, Accelerator.detect(dir.resolve("kvm")));
        assertEquals(Accelerator.TCG, Accelerator.choose("auto", dir.resolve("kvm")));
    }

    @Test
    void readWritableDeviceMeansKvm() throws Exception {
        Path kvm = Files.createFile(dir.resolve("kvm"));
        assertEquals(Accelerator.KVM, Accelerator.detect(kvm));
        assertEquals(Accelerator.KVM, Accelerator.choose("kvm", kvm));
        assertEquals(Accelerator.TCG, Accelerator.choose("TCG", kvm), "tcg can be forced");
    }

    @Test
    void forcingKvmWithoutDeviceSaysWhy() {
        VmException e = assertThrows(VmException.class, () -> Accelerator.choose("kvm", dir.resolve("kvm")));
        assertTrue(e.getMessage().contains("kvm' group"), e.getMessage());
    }

    @Test
    void unknownSettingIsRejected() {
        VmException e = assertThrows(VmException.class, () -> Accelerator.choose("hvf", dir.resolve("kvm")));
        assertTrue(e.getMessage().contains("auto, kvm or tcg"), e.getMessage());
    }
}
