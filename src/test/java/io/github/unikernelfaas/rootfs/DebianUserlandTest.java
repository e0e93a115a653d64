package io.github.unikernelfaas.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.host.Digests;
import io.github.unikernelfaas.source.AptDownloads;
import io.github.unikernelfaas.source.Fixtures;
import io.github.unikernelfaas.source.Fixtures.E;
import io.github.unikernelfaas.source.PathFilter;
import io.github.unikernelfaas.source.SourceException;
import io.github.unikernelfaas.source.SourceSet;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 400, unit = TimeUnit.SECONDS)
class DebianUserlandTest {
    private static final PathFilter DROP = PathFilter.drop(List.of("usr/share/doc", "usr/share/man",
            "usr/share/lintian", "**/__pycache__", "usr/lib/python3.11/test"));

    @TempDir
    Path tmp;

    private SourceSet.DebPackage pkg(String id, Path file) throws Exception {
        return new SourceSet.DebPackage(id, "1", file, Digests.sha256(file), DROP);
    }

    /** Every path with its kind, content digest or link target, and mtime: what makes two trees equal. */
    private static List<String> describe(Path root) throws Exception {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted().toList()) {
                String rel = root.relativize(p).toString();
                long mtime = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis();
                if (Files.isSymbolicLink(p)) {
                    lines.add("l " + rel + " -> " + Files.readSymbolicLink(p) + " " + mtime);
                } else if (Files.isDirectory(p)) {
                    lines.add("d " + rel + " " + mtime);
                } else {
                    lines.add("f " + rel + " " + Files.isExecutable(p) + " " + Digests.sha256(p) + " " + mtime);
                }
            }
        }
        return lines;
    }

    @Test
    void assemblesPythonAndTheLoaderFromRealPackagesReproducibly() throws Exception {
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("libc6", "glibc");
        sources.put("libpython3.11-minimal", "python3.11");
        sources.put("python3.11-minimal", "python3.11");
        Map<String, AptDownloads.Deb> debs = AptDownloads.download(tmp.resolve("apt"), sources);
        List<SourceSet.DebPackage> packages = new ArrayList<>();
        for (AptDownloads.Deb d : debs.values()) {
            packages.add(pkg(d.name(), d.file()));
        }
        Path root = tmp.resolve("fs0");
        int n = DebianUserland.assemble(packages, root);
        assertTrue(n > 100, "files: " + n);

        assertTrue(Files.isRegularFile(root.resolve("usr/lib/python3.11/os.py"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isExecutable(root.resolve("usr/bin/python3.11")));
        Path loader = root.resolve("lib64/ld-linux-x86-64.so.2");
        assertTrue(Files.isSymbolicLink(loader));
        String target = Files.readSymbolicLink(loader).toString();
        assertEquals("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", target);
        assertTrue(Files.isRegularFile(root.resolve(target.substring(1)), LinkOption.NOFOLLOW_LINKS),
                "the loader's absolute target is in the tree (the guest's root)");
        assertTrue(Files.isRegularFile(root.resolve("lib/x86_64-linux-gnu/libc.so.6"), LinkOption.NOFOLLOW_LINKS)
                || Files.isSymbolicLink(root.resolve("lib/x86_64-linux-gnu/libc.so.6")));
        assertFalse(Files.exists(root.resolve("usr/share/doc"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(root.resolve("usr/lib/python3.11/test"), LinkOption.NOFOLLOW_LINKS));
        try (Stream<Path> s = Files.walk(root)) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().equals("__pycache__")));
        }
        assertFalse(Files.exists(tmp.resolve(".fs0.work")), "no work directory left");

        List<String> first = describe(root);
        assertTrue(first.stream().allMatch(l -> l.endsWith(" " + DebianUserland.MTIME.toMillis())),
                "one fixed mtime everywhere");
        Path again = tmp.resolve("fs0-again");
        DebianUserland.assemble(packages, again);
        assertEquals(first, describe(again), "the same packages give the same tree");
    }

    @Test
    void twoPackagesWithDifferentContentAtOnePathAreRefusedNamingBoth() throws Exception {
        Path a = tmp.resolve("a.deb");
        Path b = tmp.resolve("b.deb");
        Files.write(a, Fixtures.deb(List.of(E.file("./etc/shared.conf", "a\n"), E.file("./usr/a", "a"))));
        Files.write(b, Fixtures.deb(List.of(E.file("./etc/shared.conf", "b\n"), E.file("./usr/b", "b"))));
        Path root = tmp.resolve("fs0");
        SourceException e = assertThrows(SourceException.class,
                () -> DebianUserland.assemble(List.of(pkg("pkg-a", a), pkg("pkg-b", b)), root));
        assertTrue(e.getMessage().contains("Debian packages pkg-a and pkg-b both ship etc/shared.conf"),
                e.getMessage());
        assertFalse(Files.exists(root, LinkOption.NOFOLLOW_LINKS), "no half-assembled tree");
        assertFalse(Files.exists(tmp.resolve(".fs0.work")));
    }

    @Test
    void identicalFilesInTwoPackagesAndSharedDirectoriesMerge() throws Exception {
        Path a = tmp.resolve("a.deb");
        Path b = tmp.resolve("b.deb");
        Files.write(a, Fixtures.deb(List.of(E.file("./usr/lib/same", "x"), E.file("./usr/lib/a", "a"),
                E.link("./usr/lib/l", "a"))));
        Files.write(b, Fixtures.deb(List.of(E.file("./usr/lib/same", "x"), E.file("./usr/lib/b", "b"),
                E.link("./usr/lib/l", "a"))));
        Path root = tmp.resolve("fs0");
        assertEquals(4, DebianUserland.assemble(List.of(pkg("pkg-a", a), pkg("pkg-b", b)), root));
        assertEquals("a", Files.readString(root.resolve("usr/lib/a")));
        assertEquals("b", Files.readString(root.resolve("usr/lib/b")));
        assertEquals("a", Files.readSymbolicLink(root.resolve("usr/lib/l")).toString());
    }

    @Test
    void aPathBelowAnotherPackagesLinkIsRefused() throws Exception {
        Path a = tmp.resolve("a.deb");
        Path b = tmp.resolve("b.deb");
        Files.write(a, Fixtures.deb(List.of(E.dir("./usr/lib/"), E.link("./lib", "usr/lib"))));
        Files.write(b, Fixtures.deb(List.of(E.file("./lib/libz.so.1", "z"))));
        SourceException e = assertThrows(SourceException.class,
                () -> DebianUserland.assemble(List.of(pkg("pkg-a", a), pkg("pkg-b", b)), tmp.resolve("fs0")));
        assertTrue(e.getMessage().contains("Debian package pkg-b ships lib as a directory at lib, a symbolic link of"
                + " package pkg-a"), e.getMessage());
    }

    @Test
    void refusesAnExistingTarget() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("fs0"));
        assertThrows(java.io.IOException.class, () -> DebianUserland.assemble(List.of(), root));
    }
}
