package io.github.unikernelfaas.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.flavour.TestFlavours;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StdlibTest {
    @TempDir
    Path dir;

    private Path archive(List<String> names) throws Exception {
        Path tgz = dir.resolve("Python-3.7.4.tgz");
        try (OutputStream out = Files.newOutputStream(tgz);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
            for (String n : names) {
                byte[] body = ("# " + n + "\n").getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry(n);
                e.setSize(body.length);
                tar.putArchiveEntry(e);
                tar.write(body);
                tar.closeArchiveEntry();
            }
        }
        return tgz;
    }

    @Test
    void copiesLibWithoutTestSuitesAndKeepsAppAndDependencies() throws Exception {
        Path tgz = archive(List.of("Python-3.7.4/Lib/os.py", "Python-3.7.4/Lib/json/__init__.py",
                "Python-3.7.4/Lib/test/test_os.py", "Python-3.7.4/Lib/json/tests/test_x.py",
                "Python-3.7.4/Lib/tkinter/__init__.py", "Python-3.7.4/Lib/site-packages/README.txt",
                "Python-3.7.4/Modules/main.c", "Python-3.7.4/Lib/ctypes/test/t.py",
                "Python-3.7.4/Lib/ctypes/__init__.py", "Python-3.7.4/Lib/pydoc_data/topics.py",
                "Python-3.7.4/Lib/pydoc.py"));
        Path libPython3 = Files.createDirectories(dir.resolve("lib-python3"));
        Files.writeString(libPython3.resolve("_sysconfigdata.py"), "build_time_vars = {}\n");
        Fs0Layout fs0 = new Fs0Layout(dir.resolve("fs0"), TestFlavours.DEFAULT.pythonLib());
        Files.createDirectories(fs0.app());
        Files.writeString(fs0.app().resolve("function.py"), "x");
        Files.createDirectories(fs0.sitePackages());
        Files.createDirectories(fs0.pythonHome().resolve("stale"));

        assertEquals(4, Stdlib.install(tgz, libPython3, fs0));
        Path lib = fs0.pythonHome();
        assertTrue(Files.isRegularFile(lib.resolve("os.py")));
        assertTrue(Files.isRegularFile(lib.resolve("json/__init__.py")));
        assertTrue(Files.isRegularFile(lib.resolve("_sysconfigdata.py")));
        assertFalse(Files.exists(lib.resolve("test")));
        assertFalse(Files.exists(lib.resolve("json/tests")));
        assertFalse(Files.exists(lib.resolve("tkinter")));
        assertFalse(Files.exists(lib.resolve("ctypes")), "no _ctypes in the kernel");
        assertFalse(Files.exists(lib.resolve("pydoc_data")));
        assertTrue(Files.isRegularFile(lib.resolve("pydoc.py")));
        assertFalse(Files.exists(lib.resolve("stale")), "an earlier stdlib is replaced");
        assertTrue(Files.isRegularFile(fs0.app().resolve("function.py")), "the app is left alone");
        assertTrue(Files.isDirectory(fs0.sitePackages()));
        assertFalse(Files.exists(fs0.sitePackages().resolve("README.txt")));
    }

    @Test
    void removeTakesAnEarlierStdlibAndKeepsAppAndDependencies() throws Exception {
        Fs0Layout fs0 = new Fs0Layout(dir.resolve("fs0"), TestFlavours.DEFAULT.pythonLib());
        assertFalse(Stdlib.remove(fs0), "nothing to remove in an empty fs0");
        Files.createDirectories(fs0.app());
        Files.writeString(fs0.app().resolve("function.py"), "x");
        Files.createDirectories(fs0.sitePackages().resolve("shout"));
        assertFalse(Stdlib.remove(fs0), "app and site-packages are no stdlib");
        Files.createDirectories(fs0.pythonHome().resolve("json"));
        Files.writeString(fs0.pythonHome().resolve("os.py"), "# os");
        Files.writeString(fs0.pythonHome().resolve("json/__init__.py"), "# json");

        assertTrue(Stdlib.remove(fs0));
        try (var left = Files.list(fs0.pythonHome())) {
            assertEquals(List.of("app", "site-packages"), left.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertTrue(Files.isRegularFile(fs0.app().resolve("function.py")));
        assertTrue(Files.isDirectory(fs0.sitePackages().resolve("shout")));
    }

    @Test
    void pathsOutsideLibOrClimbingOutAreIgnored() {
        assertNull(Stdlib.libRelative("Python-3.7.4/Modules/x.c"));
        assertNull(Stdlib.libRelative("Python-3.7.4/Lib/../../etc/passwd"));
        assertEquals("a/b.py", Stdlib.libRelative("Python-3.7.4/Lib/a/b.py"));
    }
}
