package io.github.unikernelfaas.source;

import static io.github.unikernelfaas.source.Fixtures.E;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Debian packages built in the test (ar + control.tar.xz + data.tar.*), extracted without dpkg. */
class DebExtractionTest {
    @TempDir
    Path tmp;

    /** A package laid out like libpython3.11-minimal + libc6: files, links both ways, docs, a cache. */
    private static List<E> packageEntries() {
        return List.of(
                E.dir("./"),
                E.dir("./usr/"),
                E.dir("./usr/bin/"),
                E.exec("./usr/bin/python3.11", "ELF\n"),
                E.link("./usr/bin/python3", "python3.11"),
                E.dir("./usr/lib/python3.11/"),
                E.file("./usr/lib/python3.11/os.py", "import abc\n"),
                E.link("./usr/lib/python3.11/sitecustomize.py", "/etc/python3.11/sitecustomize.py"),
                E.file("./usr/lib/python3.11/__pycache__/os.cpython-311.pyc", "host bytecode"),
                E.file("./usr/lib/python3.11/test/test_os.py", "tests\n"),
                E.file("./usr/share/doc/python3.11/copyright", "license\n"),
                E.dir("./lib/x86_64-linux-gnu/"),
                E.exec("./lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "loader\n"),
                E.dir("./lib64/"),
                E.link("./lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
                E.link("./usr/lib/python3.11/loader", "../../../lib64/ld-linux-x86-64.so.2"),
                E.dir("./etc/python3.11/"),
                E.file("./etc/python3.11/sitecustomize.py", "# site\n"));
    }

    private Path deb(String name, byte[] bytes) throws IOException {
        Path file = tmp.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    private static List<String> files(Path root) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .forEach(p -> names.add(root.relativize(p).toString()));
        }
        names.sort(null);
        return names;
    }

    @Test
    void extractsTheDataTarKeepingRelativeAndAbsoluteLinksAsLinks() throws Exception {
        Path out = tmp.resolve("out");
        ArchiveExtractor.Extracted x = ArchiveExtractor.extract(deb("p.deb", Fixtures.deb(packageEntries())),
                ArchiveType.DEB, out, PathFilter.NONE);
        assertEquals("", x.topDir(), "a package is a root image, it has no top directory to strip");
        assertEquals("import abc\n", Files.readString(out.resolve("usr/lib/python3.11/os.py")));
        assertTrue(Files.isExecutable(out.resolve("usr/bin/python3.11")));
        assertFalse(Files.exists(out.resolve("control")), "the control member is not part of the files");
        assertFalse(Files.exists(out.resolve("debian-binary")));
        Path loader = out.resolve("lib64/ld-linux-x86-64.so.2");
        assertTrue(Files.isSymbolicLink(loader));
        assertEquals("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", Files.readSymbolicLink(loader).toString(),
                "an absolute target is kept as it is, for the guest's root");
        assertEquals("python3.11", Files.readSymbolicLink(out.resolve("usr/bin/python3")).toString());
        assertEquals("../../../lib64/ld-linux-x86-64.so.2",
                Files.readSymbolicLink(out.resolve("usr/lib/python3.11/loader")).toString());
        assertEquals("/etc/python3.11/sitecustomize.py",
                Files.readSymbolicLink(out.resolve("usr/lib/python3.11/sitecustomize.py")).toString());
        // The tree digest covers the whole root (same format as any other archive's).
        List<E> spec = new ArrayList<>();
        for (E e : packageEntries()) {
            spec.add(new E(e.kind(), "pkg" + e.name().substring(1), e.content(), e.exec()));
        }
        assertEquals(Fixtures.expectedTreeDigest(spec, "pkg"), x.treeSha256());
    }

    @Test
    void dropPatternsLeaveOutDocsTestsAndTheHostsBytecode() throws Exception {
        Path out = tmp.resolve("out");
        PathFilter drop = PathFilter.drop(List.of("usr/share/doc", "**/__pycache__", "usr/lib/python3.11/test"));
        ArchiveExtractor.Extracted all = ArchiveExtractor.extract(deb("p.deb", Fixtures.deb(packageEntries())),
                ArchiveType.DEB, tmp.resolve("all"), PathFilter.NONE);
        ArchiveExtractor.Extracted kept = ArchiveExtractor.extract(tmp.resolve("p.deb"), ArchiveType.DEB, out, drop);
        List<String> names = files(out);
        assertEquals(List.of("etc/python3.11/sitecustomize.py", "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                "lib64/ld-linux-x86-64.so.2", "usr/bin/python3", "usr/bin/python3.11", "usr/lib/python3.11/loader",
                "usr/lib/python3.11/os.py", "usr/lib/python3.11/sitecustomize.py"), names);
        assertFalse(Files.exists(out.resolve("usr/share"), LinkOption.NOFOLLOW_LINKS),
                "no empty directory is left for a dropped one");
        assertFalse(all.treeSha256().equals(kept.treeSha256()), "the digest covers only what was kept");
    }

    @Test
    void refusesAnEntryWithDotDot() throws Exception {
        Path file = deb("evil.deb", Fixtures.deb(List.of(E.dir("./"), E.file("./usr/../../etc/passwd", "x"))));
        SourceException e = assertThrows(SourceException.class,
                () -> ArchiveExtractor.extract(file, ArchiveType.DEB, tmp.resolve("out"), PathFilter.NONE));
        assertTrue(e.getMessage().contains("entry './usr/../../etc/passwd' contains '..'"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("etc")));
    }

    @Test
    void refusesADotDotEntryEvenWhenADropPatternWouldLeaveItOut() throws Exception {
        Path file = deb("evil.deb", Fixtures.deb(List.of(E.file("./usr/share/doc/../../../../x", "x"))));
        assertThrows(SourceException.class, () -> ArchiveExtractor.extract(file, ArchiveType.DEB,
                tmp.resolve("out"), PathFilter.drop(List.of("usr/share/doc"))));
    }

    @Test
    void refusesLinksThatLeaveTheRootRelativeOrAbsolute() throws Exception {
        for (String target : List.of("../../../../etc/shadow", "/../etc/shadow", "/usr/../../etc/shadow")) {
            Path file = deb("evil.deb", Fixtures.deb(List.of(E.dir("./usr/"), E.link("./usr/x", target))));
            Path out = tmp.resolve("out-" + Integer.toHexString(target.hashCode()));
            SourceException e = assertThrows(SourceException.class,
                    () -> ArchiveExtractor.extract(file, ArchiveType.DEB, out, PathFilter.NONE), target);
            assertTrue(e.getMessage().contains("pointing outside the target"), e.getMessage());
            assertFalse(Files.exists(out.resolve("usr/x"), LinkOption.NOFOLLOW_LINKS));
        }
    }

    @Test
    void refusesAnEntryWrittenThroughAnAbsoluteLink() throws Exception {
        // lib64 -> /lib would let a later entry lib64/x write wherever /lib is on the host: refused.
        Path file = deb("evil.deb", Fixtures.deb(List.of(E.link("./lib64", "/lib"), E.file("./lib64/x", "x"))));
        SourceException e = assertThrows(SourceException.class,
                () -> ArchiveExtractor.extract(file, ArchiveType.DEB, tmp.resolve("out"), PathFilter.NONE));
        assertTrue(e.getMessage().contains("lies below the symbolic link 'lib64'"), e.getMessage());
    }

    @Test
    void ordinaryArchivesStillRefuseAbsoluteLinks() throws Exception {
        Path file = tmp.resolve("a.tar.xz");
        Files.write(file, Fixtures.tarXz(List.of(E.link("p/x", "/lib/x"))));
        SourceException e = assertThrows(SourceException.class,
                () -> ArchiveExtractor.extract(file, ArchiveType.TAR_XZ, tmp.resolve("out")));
        assertTrue(e.getMessage().contains("(absolute)"), e.getMessage());
    }

    @Test
    void readsGzipAndUncompressedDataMembers() throws Exception {
        List<E> entries = List.of(E.file("./usr/lib/a.py", "a\n"));
        byte[] tar = Fixtures.tar(entries);
        for (Object[] c : new Object[][] {{"data.tar.gz", Fixtures.tarGz(entries)}, {"data.tar", tar}}) {
            Path out = tmp.resolve("out-" + c[0]);
            ArchiveExtractor.extract(deb(c[0] + ".deb", Fixtures.deb((String) c[0], (byte[]) c[1])),
                    ArchiveType.DEB, out, PathFilter.NONE);
            assertEquals("a\n", Files.readString(out.resolve("usr/lib/a.py")), (String) c[0]);
        }
    }

    @Test
    void aZstdPackageIsRefusedNamingTheCompression() throws Exception {
        Path file = deb("z.deb", Fixtures.deb("data.tar.zst", "not really zstd".getBytes(StandardCharsets.UTF_8)));
        SourceException e = assertThrows(SourceException.class,
                () -> ArchiveExtractor.extract(file, ArchiveType.DEB, tmp.resolve("out"), PathFilter.NONE));
        assertTrue(e.getMessage().contains("data.tar.zst") && e.getMessage().contains("data.tar.xz"), e.getMessage());
    }

    @Test
    void aFileThatIsNoDebianPackageIsAnIoError() throws Exception {
        Path file = deb("x.deb", Fixtures.tarXz(List.of(E.file("a", "a"))));
        assertThrows(IOException.class,
                () -> ArchiveExtractor.extract(file, ArchiveType.DEB, tmp.resolve("out"), PathFilter.NONE));
    }
}
