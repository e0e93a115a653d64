package io.github.unikernelfaas.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.vm.VmException;
import org.junit.jupiter.api.Test;

class KernelArtifactTest {
    @Test
    void pathsAreNoArtifacts() {
        assertTrue(KernelArtifact.parse("/opt/kernels/uk").isEmpty());
        assertTrue(KernelArtifact.parse("target/test-kernel").isEmpty());
    }

    @Test
    void coordinatesWithClassifierAndDigest() {
        KernelArtifact a = KernelArtifact.parse("mvn:com.acme:py-runtime:1.2:kvm@sha256:" + "ab".repeat(32)).orElseThrow();
        assertEquals("com.acme:py-runtime:zip:kvm:1.2", a.coordinates());
        assertEquals("ab".repeat(32), a.sha256());
        KernelArtifact b = KernelArtifact.parse("mvn:com.acme:py-runtime:1.2").orElseThrow();
        assertEquals("", b.classifier());
        assertNull(b.sha256());
    }

    @Test
    void malformedCoordinatesNameTheForm() {
        VmException e = assertThrows(VmException.class, () -> KernelArtifact.parse("mvn:com.acme:py-runtime"));
        assertTrue(e.getMessage().contains("mvn:groupId:artifactId:version"), e.getMessage());
        assertEquals("unikernel.kernel", e.setting().orElseThrow());
    }
}
