package io.github.unikernelfaas.source;

import static io.github.unikernelfaas.source.Fixtures.E;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveExtractorTest {
    @TempDir
    Path tmp;

    private ArchiveExtractor.Extracted extract(byte[] archive, ArchiveType type) throws Exception {
        Path file = tmp.resolve("a." + type);
        Files.write(file, archive);
        return ArchiveExtractor.extract(file, type, tmp.resolve("out"));
    }

    @Test
    void treeDigestIsTheSameForTarGzTarXzAndZipAndMatchesTheDocumentedFormat() throws Exception {
        List<E> spec = Fixtures.tree("proj-1.0", "x");
        String expected = Fixtures.expectedTreeDigest(spec, "proj-1.0");
        for (ArchiveType type : List.of(ArchiveType.TAR_GZ, ArchiveType.TAR_XZ, ArchiveType.ZIP)) {
            Path file = tmp.resolve("a." + type);
            byte[] bytes = type == ArchiveType.ZIP ? Fixtures.zip(spec)
                    : type == ArchiveType.TAR_XZ ? Fixtures.tarXz(spec) : Fixtures.tarGz(spec);
            Files.write(file, bytes);
            Path out = tmp.resolve("out-" + type);
            ArchiveExtractor.Extracted x = ArchiveExtractor.extract(file, type, out);
            assertEquals("proj-1.0", x.topDir(), type.toString());
            assertEquals(expected, x.treeSha256(), type.toString());
            Path top = out.resolve("proj-1.0");
            assertTrue(Files.getPosixFilePermissions(top.resolve("support/run.sh"))
                    .contains(PosixFilePermission.OWNER_EXECUTE), "exec bit kept");
            assertFalse(Files.getPosixFilePermissions(top.resolve("Makefile.uk"))
                    .contains(PosixFilePermission.OWNER_EXECUTE));
            assertTrue(Files.isSymbolicLink(top.resolve("src/alias.c")));
            assertEquals("int main(void) { return 0; } /* x */\n", Files.readString(top.resolve("src/alias.c")));
            assertTrue(Files.isSymbolicLink(top.resolve("include")));
        }
    }

    @Test
    void contentChangeOrModeChangeChangesTheDigest() throws Exception {
        List<E> spec = Fixtures.tree("p", "x");
        String base = Fixtures.expectedTreeDigest(spec, "p");
        List<E> modeChanged = new ArrayList<>(spec);
        modeChanged.set(1, E.exec("p/Makefile.uk", spec.get(1).content()));
        assertFalse(base.equals(Fixtures.expectedTreeDigest(modeChanged, "p")));
        Path file = tmp.resolve("m.tar.gz");
        Files.write(file, Fixtures.tarGz(modeChanged));
        assertEquals(Fixtures.expectedTreeDigest(modeChanged, "p"),
                ArchiveExtractor.extract(file, ArchiveType.TAR_GZ, tmp.resolve("m")).treeSha256());
    }

    @Test
    void hardLinkInsideIsCopiedAndCountsAsAFile() throws Exception {
        List<E> spec = List.of(E.dir("p/"), E.file("p/a", "A"), E.hardlink("p/b", "p/a"));
        ArchiveExtractor.Extracted x = extract(Fixtures.tarGz(spec), ArchiveType.TAR_GZ);
        assertEquals("A", Files.readString(tmp.resolve("out/p/b")));
        assertEquals(Fixtures.expectedTreeDigest(List.of(E.file("p/a", "A"), E.file("p/b", "A")), "p"), x.treeSha256());
    }

    @Test
    void noSingleTopDirectoryDigestsFromTheRoot() throws Exception {
        List<E> spec = List.of(E.file("a", "1"), E.file("b/c", "2"));
        ArchiveExtractor.Extracted x = extract(Fixtures.zip(spec), ArchiveType.ZIP);
        assertEquals("", x.topDir());
        String expected = Fixtures.sha256("f 0644 a " + Fixtures.sha256("1") + "\nf 0644 b/c " + Fixtures.sha256("2")
                + "\n");
        assertEquals(expected, x.treeSha256());
    }

    @Test
    void dotDotEntryIsRefused() throws Exception {
        for (ArchiveType type : List.of(ArchiveType.TAR_GZ, ArchiveType.ZIP)) {
            List<E> spec = List.of(E.dir("p/"), E.file("p/../../evil.txt", "pwned"));
            byte[] bytes = type == ArchiveType.ZIP ? Fixtures.zip(spec) : Fixtures.tarGz(spec);
            Path out = tmp.resolve("dd-" + type);
            Path file = tmp.resolve("dd." + type);
            Files.write(file, bytes);
            SourceException e = assertThrows(SourceException.class, () -> ArchiveExtractor.extract(file, type, out));
            assertTrue(e.getMessage().contains("'..'"), e.getMessage());
            assertFalse(Files.exists(tmp.resolve("evil.txt")));
            assertFalse(Files.exists(tmp.getParent().resolve("evil.txt")));
        }
    }

    @Test
    void absoluteEntryIsRefused() throws Exception {
        Path victim = tmp.resolve("victim.txt");
        SourceException e = assertThrows(SourceException.class,
                () -> extract(Fixtures.tarGz(List.of(E.file(victim.toString(), "pwned"))), ArchiveType.TAR_GZ));
        assertTrue(e.getMessage().contains("absolute"), e.getMessage());
        assertFalse(Files.exists(victim));
    }

    @Test
    void symlinkPointingOutsideIsRefused() throws Exception {
        for (String target : List.of("../../outside", "/etc/passwd", "../..")) {
            Path out = tmp.resolve("out-" + Math.abs(target.hashCode()));
            Path file = tmp.resolve("l.zip");
            Files.write(file, Fixtures.zip(List.of(E.dir("p/"), E.link("p/escape", target))));
            SourceException e = assertThrows(SourceException.class,
                    () -> ArchiveExtractor.extract(file, ArchiveType.ZIP, out));
            assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
            assertFalse(Files.exists(out.resolve("p/escape"), LinkOption.NOFOLLOW_LINKS), "no link created");
        }
    }

    @Test
    void symlinkChainEscapingThroughAnotherLinkIsRefused() throws Exception {
        // Each link looks harmless on its own: p/d/up -> .. (= p), p/x -> d/up/../.. which lexically is p/.. = root
        // of the archive, but physically d/up is p, so p/.. /.. leaves the target.
        List<E> spec = List.of(E.dir("p/"), E.dir("p/d/"), E.link("p/d/up", ".."), E.link("p/x", "d/up/../../.."));
        SourceException e = assertThrows(SourceException.class, () -> extract(Fixtures.tarGz(spec), ArchiveType.TAR_GZ));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
    }

    @Test
    void writingThroughASymlinkIsRefused() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        List<E> spec = List.of(E.dir("p/"), E.link("p/l", "../../outside"), E.file("p/l/planted", "pwned"));
        assertThrows(SourceException.class, () -> extract(Fixtures.tarGz(spec), ArchiveType.TAR_GZ));
        // Inside target too: a file below a link must not be written through it.
        List<E> inner = List.of(E.dir("p/"), E.dir("p/real/"), E.link("p/l", "real"), E.file("p/l/f", "x"));
        Path file = tmp.resolve("inner.tar.gz");
        Files.write(file, Fixtures.tarGz(inner));
        SourceException e = assertThrows(SourceException.class,
                () -> ArchiveExtractor.extract(file, ArchiveType.TAR_GZ, tmp.resolve("inner")));
        assertTrue(e.getMessage().contains("below the symbolic link"), e.getMessage());
        try (Stream<Path> s = Files.list(outside)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void hardLinkToOutsideIsRefused() throws Exception {
        List<E> spec = List.of(E.dir("p/"), E.hardlink("p/h", "../etc/passwd"));
        assertThrows(SourceException.class, () -> extract(Fixtures.tarGz(spec), ArchiveType.TAR_GZ));
        List<E> absolute = List.of(E.dir("p/"), E.hardlink("p/h", "/etc/passwd"));
        Path file = tmp.resolve("abs.tar.gz");
        Files.write(file, Fixtures.tarGz(absolute));
        assertThrows(SourceException.class, () -> ArchiveExtractor.extract(file, ArchiveType.TAR_GZ, tmp.resolve("abs")));
    }

    @Test
    void corruptArchiveIsAnIoError() throws Exception {
        byte[] good = Fixtures.tarGz(Fixtures.tree("p", "x"));
        byte[] cut = java.util.Arrays.copyOf(good, good.length / 2);
        assertThrows(java.io.IOException.class, () -> extract(cut, ArchiveType.TAR_GZ));
    }
}
