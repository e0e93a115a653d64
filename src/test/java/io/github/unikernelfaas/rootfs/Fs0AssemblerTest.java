package io.github.unikernelfaas.rootfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.flavour.TestFlavours;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Fs0AssemblerTest {
    @TempDir
    Path dir;

    private Path source() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src/main/python"));
        Files.writeString(src.resolve("function.py"), "import helper\ndef handler(e):\n    return helper.f(e)\n");
        Files.writeString(src.resolve("helper.py"), "def f(e):\n    return e\n");
        Files.createDirectories(src.resolve("pkg/__pycache__"));
        Files.writeString(src.resolve("pkg/__init__.py"), "");
        Files.writeString(src.resolve("pkg/__pycache__/x.cpython-311.pyc"), "junk");
        Files.writeString(src.resolve(".hidden.py"), "junk");
        return src;
    }

    @Test
    void laysOutTheGuestContract() throws Exception {
        Fs0Layout fs0 = new Fs0Layout(dir.resolve("fs0"), TestFlavours.DEFAULT.pythonLib());
        List<String> copied = Fs0Assembler.assemble(source(), fs0);
        assertEquals(List.of("function.py", "helper.py", "pkg/__init__.py"), copied);
        Path app = dir.resolve("fs0/lib/python3.7/app");
        assertTrue(Files.isRegularFile(app.resolve("function.py")));
        assertTrue(Files.isRegularFile(app.resolve("pkg/__init__.py")));
        assertFalse(Files.exists(app.resolve("pkg/__pycache__")), "byte code caches stay out");
        assertFalse(Files.exists(app.resolve(".hidden.py")));
        assertTrue(Files.isDirectory(dir.resolve("fs0/dev")));
        assertTrue(Files.isDirectory(dir.resolve("fs0/tmp")));
        assertTrue(Files.isDirectory(dir.resolve("fs0/lib/python3.7/site-packages")));
        try (InputStream wrapper = Fs0Assembler.class.getResourceAsStream("wrapper.py")) {
            assertArrayEquals(wrapper.readAllBytes(), Files.readAllBytes(app.resolve("wrapper.py")));
        }
    }

    @Test
    void aRemovedModuleDoesNotLinger() throws Exception {
        Path src = source();
        Fs0Layout fs0 = new Fs0Layout(dir.resolve("fs0"), TestFlavours.DEFAULT.pythonLib());
        Fs0Assembler.assemble(src, fs0);
        Files.delete(src.resolve("helper.py"));
        Fs0Assembler.assemble(src, fs0);
        assertFalse(Files.exists(fs0.app().resolve("helper.py")));
        assertTrue(Files.exists(fs0.app().resolve("wrapper.py")));
    }

    @Test
    void aUserModuleNamedWrapperIsRefused() throws Exception {
        Path src = source();
        Files.writeString(src.resolve("wrapper.py"), "x = 1\n");
        FunctionException e = assertThrows(FunctionException.class,
                () -> Fs0Assembler.assemble(src, new Fs0Layout(dir.resolve("fs0"), TestFlavours.DEFAULT.pythonLib())));
        assertTrue(e.getMessage().contains("rename that module"), e.getMessage());
    }
}
