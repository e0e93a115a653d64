package io.github.unikernelfaas.rootfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.host.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** .pyc for the guest, compiled by a real CPython 3.7 (the guest's version); without one these tests say so. */
class BytecodeTest {
    /** A set constant: its order in the bytecode follows the string hash, so only a fixed seed keeps it stable. */
    private static final String MODULE = "def kind(x):\n    return x in {'alpha', 'beta', 'gamma', 'delta'}\n"
            + "NAME = 'first'\n";

    @TempDir
    Path dir;
    private Path python;

    @BeforeEach
    void guestPython() {
        Optional<Path> guest = GuestPython.find("", "3.7", System.getenv("PATH"), Path.of(System.getProperty(
                "user.home")));
        Assumptions.assumeTrue(guest.isPresent(), "no CPython 3.7 on this host (python3.7 on PATH or ~/.pyenv):"
                + " the .pyc tests need one");
        python = guest.get();
    }

    private String run(Path cwd, String code) throws Exception {
        ProcessRunner.Result r = ProcessRunner.run(List.of(python.toString(), "-S", "-B", "-c", code),
                Map.of("PYTHONPATH", cwd.toString()), Duration.ofSeconds(30), 1 << 16);
        assertEquals(0, r.exitCode(), r.stderr());
        return r.stdout().strip();
    }

    @Test
    void besideSourcesAsUncheckedHashPycThatTheGuestLoadsWithoutReadingTheSource() throws Exception {
        Path app = dir.resolve("app");
        Files.createDirectories(app.resolve("pkg"));
        Files.writeString(app.resolve("mod.py"), MODULE);
        Files.writeString(app.resolve("pkg/__init__.py"), "");
        Bytecode.Result r = Bytecode.compileBeside(python, app, "/lib/python3.7/app");
        assertEquals(2, r.compiled());
        Path pyc = app.resolve("__pycache__/mod.cpython-37.pyc");
        byte[] bytes = Files.readAllBytes(pyc);
        assertArrayEquals(new byte[] {0x42, 0x0d, 0x0d, 0x0a}, java.util.Arrays.copyOf(bytes, 4), "3.7's magic");
        assertEquals(1, bytes[4], "flags: hash-based, source not checked");
        assertTrue(Files.isRegularFile(app.resolve("pkg/__pycache__/__init__.cpython-37.pyc")));
        assertTrue(Files.isRegularFile(app.resolve("mod.py")), "the source stays for tracebacks");
        // Unchecked: a changed source is not even read, so what runs is the .pyc (whose file name the importer
        // sets to the source it found).
        Files.writeString(app.resolve("mod.py"), "NAME = 'second'\n");
        assertEquals("first True", run(app, "import mod; print(mod.NAME, mod.kind('beta'))"));
    }

    @Test
    void theSameSourcesGiveTheSameBytes() throws Exception {
        List<byte[]> builds = new ArrayList<>();
        for (String name : List.of("one", "two")) {
            Path app = dir.resolve(name);
            Files.createDirectories(app);
            Files.writeString(app.resolve("mod.py"), MODULE);
            Bytecode.compileBeside(python, app, "/app");
            builds.add(Files.readAllBytes(app.resolve("__pycache__/mod.cpython-37.pyc")));
        }
        assertArrayEquals(builds.get(0), builds.get(1));
    }

    @Test
    void theStandardLibraryGoesSourcelessOnceAndThenComesFromTheCache() throws Exception {
        Path cache = dir.resolve("cache");
        Fs0Layout fs0 = stdlibFs0("fs0");
        Bytecode.Result first = Bytecode.stdlibSourceless(python, fs0, cache, m -> { });
        assertEquals(2, first.compiled());
        assertEquals(1, first.failed().size(), first.failed().toString());
        assertTrue(first.failed().get(0).startsWith("broken.py: SyntaxError"), first.failed().toString());
        Path home = fs0.pythonHome();
        assertTrue(Files.isRegularFile(home.resolve("mod.pyc")));
        assertFalse(Files.exists(home.resolve("mod.py")), "sourceless");
        assertTrue(Files.isRegularFile(home.resolve("pkg/__init__.pyc")));
        assertTrue(Files.isRegularFile(home.resolve("broken.py")), "what does not compile stays source");
        assertTrue(Files.isRegularFile(home.resolve("app/function.py")));
        assertFalse(Files.exists(home.resolve("app/function.pyc")), "the app is not the standard library's");
        assertFalse(Files.exists(home.resolve("site-packages/dep.pyc")));
        assertEquals("first /lib/python3.7/mod.py", run(home, "import mod; print(mod.NAME, mod.kind.__code__.co_filename)"));

        List<Path> entries;
        try (var s = Files.list(cache)) {
            entries = s.filter(Files::isDirectory).toList();
        }
        assertEquals(1, entries.size(), entries.toString());
        Path sentinel = entries.get(0).resolve("sentinel");
        Files.writeString(sentinel, "kept while the entry is intact");
        Fs0Layout again = stdlibFs0("fs0-again");
        Bytecode.stdlibSourceless(python, again, cache, m -> { });
        assertTrue(Files.exists(sentinel), "the cached entry was used");
        assertArrayEquals(Files.readAllBytes(home.resolve("mod.pyc")),
                Files.readAllBytes(again.pythonHome().resolve("mod.pyc")));

        Files.writeString(entries.get(0).resolve("mod.pyc"), "truncated");
        Bytecode.stdlibSourceless(python, stdlibFs0("fs0-third"), cache, m -> { });
        assertFalse(Files.exists(sentinel), "a damaged entry is compiled again");
        assertArrayEquals(Files.readAllBytes(home.resolve("mod.pyc")),
                Files.readAllBytes(entries.get(0).resolve("mod.pyc")));
    }

    private Fs0Layout stdlibFs0(String name) throws Exception {
        Fs0Layout fs0 = new Fs0Layout(dir.resolve(name), "lib/python3.7");
        Path home = fs0.pythonHome();
        Files.createDirectories(home.resolve("pkg"));
        Files.createDirectories(fs0.app());
        Files.createDirectories(fs0.sitePackages());
        Files.writeString(home.resolve("mod.py"), MODULE);
        Files.writeString(home.resolve("pkg/__init__.py"), "");
        Files.writeString(home.resolve("broken.py"), "print 'python 2'\n");
        Files.writeString(fs0.app().resolve("function.py"), "def handler(event):\n    return event\n");
        Files.writeString(fs0.sitePackages().resolve("dep.py"), "X = 1\n");
        return fs0;
    }
}
