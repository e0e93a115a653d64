package io.github.unikernelfaas.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.flavour.Flavour;
import io.github.unikernelfaas.vm.RootKind;
import java.io.File;
import org.apache.maven.plugin.MojoFailureException;
import org.junit.jupiter.api.Test;

/** unikernel.flavour as the goals see it: loaded once, its values the defaults, overrides winning. */
class FlavourParameterTest {
    /** A goal that only reads the flavour. */
    static final class FlavourGoal extends AbstractUnikernelMojo {
        @Override
        protected void run() {
            flavour();
        }
    }

    private static FlavourGoal goal(String flavour) {
        FlavourGoal g = new FlavourGoal();
        g.flavour = flavour;
        g.fs0 = new File("target/fs0");
        g.guestPort = 8123; // what Maven injects by default
        return g;
    }

    @Test
    void theFlavourIsLoadedOnceAndGivesTheDefaults() {
        FlavourGoal g = goal("test-flavour");
        assertSame(g.flavour(), g.flavour());
        assertEquals("9.9.9~test", g.unikraftVersion());
        assertEquals("vfs.fstab=initrd:/ -- -m app.wrapper --port {guestPort}", g.kernelArgs(RootKind.INITRD));
        assertEquals(new File("target/fs0").toPath().resolve("lib/python3.10/app"), g.fs0Layout().app());
    }

    @Test
    void settingsOverrideTheFlavour() {
        FlavourGoal g = goal(Flavour.DEFAULT);
        g.unikraftVersion = "0.13.1~custom";
        g.kernelArgs = "console=x";
        assertEquals("0.13.1~custom", g.unikraftVersion());
        assertEquals("console=x", g.kernelArgs(RootKind.NINE_P));
    }

    @Test
    void anUnknownFlavourFailsTheBuildNamingTheKnownOnes() {
        MojoFailureException e = assertThrows(MojoFailureException.class, () -> goal("unikraft-0.16-python3.12")
                .execute());
        assertTrue(e.getMessage().startsWith("Unknown unikernel.flavour 'unikraft-0.16-python3.12'; known flavours: "),
                e.getMessage());
        assertTrue(e.getMessage().contains(Flavour.DEFAULT), e.getMessage());
    }
}
