package io.github.unikernelfaas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.flavour.FlavourException;
import io.github.unikernelfaas.flavour.Flavours;
import io.github.unikernelfaas.source.SourceException;
import io.github.unikernelfaas.vm.KernelBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnikernelExceptionTest {

    @Test
    void aSettingIsRenderedOnceInBothSpellings() {
        UnikernelException e = new UnikernelException("No kernel here").setting("unikernel.kernel");
        assertEquals("No kernel here\nSetting: -Dunikernel.kernel=... on the command line, or <kernel> in the"
                + " plugin's <configuration>.", e.render());
        assertEquals("No kernel here", new UnikernelException("No kernel here").render(), "no setting, no line");
        assertEquals("Bad name\nSetting: -Dunikernel.deploy.name=... on the command line.",
                new UnikernelException("Bad name").setting("unikernel.deploy.name").render(),
                "a dotted property's POM name (<deployName>) does not follow from it: no wrong <deploy.name>");
        assertEquals("Use -Dunikernel.kernel=/k", new UnikernelException("Use -Dunikernel.kernel=/k")
                .setting("unikernel.kernel").render(), "a message that already says it is left alone");
    }

    @Test
    void everyErrorOfThePluginHasTheOneRoot() {
        // SourceException once leaked from the build goal unmapped: under the root, the mojo base maps it.
        assertInstanceOf(UnikernelException.class, new SourceException("x"));
        FlavourException e = assertThrows(FlavourException.class, () -> Flavours.load("no-such-flavour"));
        assertEquals("unikernel.flavour", e.setting().orElseThrow());
        assertTrue(e.render().contains("<flavour>"), e.render());
    }

    @Test
    void aDirectoryThatIsNoBundleNamesTheKernelSetting(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("README"), "not a kernel");
        UnikernelException e = assertThrows(UnikernelException.class, () -> KernelBundle.read(dir));
        assertEquals("unikernel.kernel", e.setting().orElseThrow());
    }
}
