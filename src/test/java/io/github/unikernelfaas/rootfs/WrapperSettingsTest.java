package io.github.unikernelfaas.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.flavour.TestFlavours;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WrapperSettingsTest {
    @TempDir
    Path dir;

    @Test
    void theSameLimitGivesTheSameBytes() {
        assertEquals("{\"handlerTimeout\": 60}\n", WrapperSettings.parse("60").json());
        assertEquals(WrapperSettings.parse("60").json(), WrapperSettings.parse(" 60.000 ").json());
        assertEquals("{\"handlerTimeout\": 2.5}\n", WrapperSettings.parse("2.5").json());
        assertEquals("{\"handlerTimeout\": 0}\n", WrapperSettings.parse("0").json(), "0: no limit");
    }

    @Test
    void aBadLimitNamesTheSetting() {
        for (String bad : new String[] {"", "soon", "-1", "1e6", "NaN"}) {
            FunctionException e = assertThrows(FunctionException.class, () -> WrapperSettings.parse(bad), bad);
            assertTrue(e.getMessage().contains("unikernel.handlerTimeout"), e.getMessage());
        }
    }

    @Test
    void theAssemblerWritesThemBesideTheWrapper() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("function.py"), "def handler(e):\n    return e\n");
        Fs0Layout fs0 = new Fs0Layout(dir.resolve("fs0"), TestFlavours.DEFAULT.pythonLib());
        Fs0Assembler.assemble(src, fs0, WrapperSettings.parse("7"));
        assertEquals("{\"handlerTimeout\": 7}\n", Files.readString(fs0.app().resolve("ukfaas-settings.json")));
        Fs0Assembler.assemble(src, fs0);
        assertFalse(Files.exists(fs0.app().resolve("ukfaas-settings.json")), "none without settings");
    }

    @Test
    void aUserFileOfThatNameIsRefused() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("function.py"), "def handler(e):\n    return e\n");
        Files.writeString(src.resolve("ukfaas-settings.json"), "{}");
        Fs0Layout fs0 = new Fs0Layout(dir.resolve("fs0"), TestFlavours.DEFAULT.pythonLib());
        FunctionException e = assertThrows(FunctionException.class,
                () -> Fs0Assembler.assemble(src, fs0, WrapperSettings.parse("7")));
        assertTrue(e.getMessage().contains("rename that file"), e.getMessage());
    }

    @Test
    void theSizeLimitsAreWrittenWhenTheyAreNotTheWrappersDefault() {
        assertEquals("{\"handlerTimeout\": 25}\n", WrapperSettings.parse("25", "6291456", "6291456").json(),
                "default builds keep their bytes");
        assertEquals("{\"handlerTimeout\": 25, \"maxEventBytes\": 10485760, \"maxResponseBytes\": 1000}\n",
                WrapperSettings.parse("25", "10485760", " 1000 ").json());
    }

    @Test
    void aBadSizeNamesItsSetting() {
        for (String bad : new String[] {"", "6MB", "0", "-1", "2.5", "99999999999999999999"}) {
            FunctionException e = assertThrows(FunctionException.class,
                    () -> WrapperSettings.parse("25", "100", bad), bad);
            assertTrue(e.getMessage().contains("unikernel.maxResponseBytes"), e.getMessage());
            assertEquals("unikernel.maxResponseBytes", e.setting().orElseThrow());
            e = assertThrows(FunctionException.class, () -> WrapperSettings.parse("25", bad, "100"), bad);
            assertTrue(e.getMessage().contains("unikernel.maxEventBytes"), e.getMessage());
        }
    }
}
