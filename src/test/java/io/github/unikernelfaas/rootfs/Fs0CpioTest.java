package io.github.unikernelfaas.rootfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Fs0CpioTest {
    @TempDir
    Path dir;

    private Path tree(String name) throws Exception {
        Path fs0 = dir.resolve(name);
        Files.createDirectories(fs0.resolve("lib/python3.7/app"));
        Files.createDirectories(fs0.resolve("lib/python3.7/site-packages"));
        Files.createDirectories(fs0.resolve("dev"));
        Files.createDirectories(fs0.resolve("tmp"));
        Files.writeString(fs0.resolve("lib/python3.7/app/function.py"), "def handler(e):\n    return e\n");
        Files.writeString(fs0.resolve("lib/python3.7/os.py"), "# os\n");
        Files.write(fs0.resolve("lib/python3.7/empty.py"), new byte[0]);
        return fs0;
    }

    private record Entry(String name, long mode, long uid, long mtime, byte[] data) {
    }

    private static List<Entry> read(Path cpio) throws Exception {
        List<Entry> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(cpio); CpioArchiveInputStream c = new CpioArchiveInputStream(in)) {
            CpioArchiveEntry e;
            while ((e = c.getNextCPIOEntry()) != null) {
                out.add(new Entry(e.getName(), e.getMode(), e.getUID(), e.getTime(), c.readAllBytes()));
            }
        }
        return out;
    }

    @Test
    void holdsTheTreeParentsFirstWithFixedOwnersTimesAndModes() throws Exception {
        Path out = dir.resolve("fs0.cpio");
        int n = Fs0Cpio.write(tree("fs0"), out, "");
        List<Entry> entries = read(out);
        assertEquals(n, entries.size());
        List<String> names = entries.stream().map(Entry::name).toList();
        assertEquals(List.of("dev", "lib", "lib/python3.7", "lib/python3.7/app", "lib/python3.7/app/function.py",
                "lib/python3.7/empty.py", "lib/python3.7/os.py", "lib/python3.7/site-packages", "tmp"), names);
        for (Entry e : entries) {
            assertEquals(0, e.uid());
            assertEquals(Fs0Cpio.MTIME, e.mtime());
        }
        Entry fn = entries.get(4);
        assertEquals(0100644, fn.mode());
        assertEquals("def handler(e):\n    return e\n", new String(fn.data(), StandardCharsets.UTF_8));
        assertEquals(040755, entries.get(0).mode());
        assertTrue(Files.readString(out, StandardCharsets.ISO_8859_1).contains("TRAILER!!!"));
        assertTrue(Files.readString(out, StandardCharsets.ISO_8859_1).startsWith("070701"), "newc magic");
    }

    @Test
    void sameTreeSameBytesWhateverTheFileTimes() throws Exception {
        Path a = tree("a");
        Path b = tree("b");
        Files.setLastModifiedTime(b.resolve("lib/python3.7/os.py"), FileTime.fromMillis(123456789L));
        Fs0Cpio.write(a, dir.resolve("a.cpio"), "");
        Fs0Cpio.write(b, dir.resolve("b.cpio"), "");
        assertArrayEquals(Files.readAllBytes(dir.resolve("a.cpio")), Files.readAllBytes(dir.resolve("b.cpio")));
    }

    @Test
    void aPrefixPutsTheTreeUnderADirectory() throws Exception {
        Fs0Cpio.write(tree("fs0"), dir.resolve("p.cpio"), "fs0/");
        List<String> names = read(dir.resolve("p.cpio")).stream().map(Entry::name).toList();
        assertEquals("fs0", names.get(0));
        assertTrue(names.contains("fs0/lib/python3.7/app/function.py"), names.toString());
    }

    @Test
    void symbolicLinksAreRefusedByName() throws Exception {
        Path fs0 = tree("fs0");
        Files.createSymbolicLink(fs0.resolve("lib/python3.7/link.py"), Path.of("os.py"));
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> Fs0Cpio.write(fs0, dir.resolve("x.cpio"), ""));
        assertTrue(e.getMessage().contains("link.py"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("x.cpio.tmp")), "no half-written file is left");
    }

    @Test
    void linuxCpioReadsItBack() throws Exception {
        Path cpioTool = Path.of("/usr/bin/cpio");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(cpioTool),
                "needs cpio (apt-get install cpio; scripts/install-host-deps.sh installs it)");
        Fs0Cpio.write(tree("fs0"), dir.resolve("fs0.cpio"), "");
        Path x = Files.createDirectories(dir.resolve("x"));
        Process p = new ProcessBuilder(cpioTool.toString(), "-idm", "--quiet", "-F",
                dir.resolve("fs0.cpio").toString()).directory(x.toFile()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals("# os\n", Files.readString(x.resolve("lib/python3.7/os.py")));
        assertTrue(Files.isDirectory(x.resolve("tmp")));
    }
}
