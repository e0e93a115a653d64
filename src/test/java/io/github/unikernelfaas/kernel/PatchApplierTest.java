package io.github.unikernelfaas.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.flavour.Flavour;
import io.github.unikernelfaas.flavour.Flavours;
import io.github.unikernelfaas.source.SourceManifest;
import io.github.unikernelfaas.source.SourcePatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PatchApplierTest {
    @TempDir
    Path tree;

    private static SourcePatch patch(String text) {
        return new SourcePatch("core/test.patch", "/patches/test.patch", text.getBytes(StandardCharsets.UTF_8));
    }

    private static final String MULTI = """
            A header that says what and why; ignored like git am ignores it.

            diff --git a/src/a.c b/src/a.c
            index 1111111..2222222 100755
            --- a/src/a.c
            +++ b/src/a.c
            @@ -1,4 +1,4 @@
             one
            -two
            +TWO
             three
             four
            @@ -7,3 +7,4 @@
             seven
             eight
             nine
            +ten
            diff --git a/new/dir/b.h b/new/dir/b.h
            new file mode 100644
            --- /dev/null
            +++ b/new/dir/b.h
            @@ -0,0 +1,2 @@
            +#define B 1
            +#define C 2
            diff --git a/old.txt b/old.txt
            deleted file mode 100644
            --- a/old.txt
            +++ /dev/null
            @@ -1,2 +0,0 @@
            -gone
            -too
            """;

    private void writeTree() throws Exception {
        Files.createDirectories(tree.resolve("src"));
        Path a = Files.writeString(tree.resolve("src/a.c"), "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\n");
        Files.setPosixFilePermissions(a, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(tree.resolve("old.txt"), "gone\ntoo\n");
    }

    @Test
    void aMultiFileGitDiffChangesCreatesAndDeletesFiles() throws Exception {
        writeTree();
        List<String> files = PatchApplier.apply(patch(MULTI), "core", tree);
        assertEquals(List.of("src/a.c", "new/dir/b.h", "old.txt"), files);
        assertEquals("one\nTWO\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n",
                Files.readString(tree.resolve("src/a.c")));
        assertTrue(Files.isExecutable(tree.resolve("src/a.c")), "a changed file keeps its mode");
        assertEquals("#define B 1\n#define C 2\n", Files.readString(tree.resolve("new/dir/b.h")));
        assertFalse(Files.exists(tree.resolve("old.txt")));
    }

    @Test
    void aHunkMustMatchExactlyWhereItSaysAndNothingIsWrittenOtherwise() throws Exception {
        writeTree();
        // Same lines one further down: GNU patch would take that offset; a pinned patch must not need it.
        Files.writeString(tree.resolve("src/a.c"), "zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\n");
        Files.writeString(tree.resolve("first.c"), "x\n");
        String text = """
                --- a/first.c
                +++ b/first.c
                @@ -1 +1 @@
                -x
                +y
                """ + MULTI;
        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> PatchApplier.apply(patch(text), "core", tree));
        assertTrue(e.getMessage().startsWith("Patch core/test.patch (/patches/test.patch) does not apply to core"
                + " (file src/a.c): it does not match src/a.c at line 1 (hunk at line 1): the patch expects \"one\","
                + " the file has \"zero\""), e.getMessage());
        assertEquals("x\n", Files.readString(tree.resolve("first.c")), "the file before the bad one is unchanged");
        assertFalse(Files.exists(tree.resolve("new")));
    }

    @Test
    void aTruncatedHunkIsReportedNotDropped() throws Exception {
        writeTree();
        String cut = MULTI.substring(0, MULTI.indexOf("+ten"));
        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> PatchApplier.apply(patch(cut), "core", tree));
        assertTrue(e.getMessage().contains("is damaged: 2 hunk headers but 1 complete hunks"), e.getMessage());
        assertEquals("one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\n", Files.readString(tree.resolve("src/a.c")));
    }

    @Test
    void pathsOutsideTheTreeAndHunksWithoutContextAreRefused() throws Exception {
        writeTree();
        KernelBuildException out = assertThrows(KernelBuildException.class, () -> PatchApplier.apply(patch("""
                --- a/../escape.c
                +++ b/../escape.c
                @@ -0,0 +1 @@
                +x
                """), "core", tree));
        assertTrue(out.getMessage().contains("not a path inside the tree"), out.getMessage());
        assertFalse(Files.exists(tree.resolveSibling("escape.c")));
        KernelBuildException u0 = assertThrows(KernelBuildException.class, () -> PatchApplier.apply(patch("""
                --- a/src/a.c
                +++ b/src/a.c
                @@ -2,0 +3 @@
                +two and a half
                """), "core", tree));
        assertTrue(u0.getMessage().contains("without context lines"), u0.getMessage());
    }

    @Test
    void textThatIsNoDiffIsRefused() {
        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> PatchApplier.apply(patch("just words\n"), "core", tree));
        assertTrue(e.getMessage().contains("holds no hunks"), e.getMessage());
    }

    @Test
    void untouchedBytesStayAsTheyWereWhateverTheEncoding() throws Exception {
        byte[] latin1 = "caf\u00e9\nkeep\nlast line without newline".getBytes(StandardCharsets.ISO_8859_1);
        Files.write(tree.resolve("x.txt"), latin1);
        PatchApplier.apply(patch("""
                --- a/x.txt
                +++ b/x.txt
                @@ -2 +2 @@
                -keep
                +kept
                """), "core", tree);
        assertArrayEquals("caf\u00e9\nkept\nlast line without newline".getBytes(StandardCharsets.ISO_8859_1),
                Files.readAllBytes(tree.resolve("x.txt")));
    }

    /**
     * Our correction of the pinned core: the manifest ships it for unikraft, it touches lib/ukalloc/alloc.c only,
     * and applied to a file holding the lines it expects it makes uk_malloc_ifpages reserve the 32 bytes it skips.
     */
    @Test
    void theBundledUkallocCorrectionParsesAndChangesTheRealsizeLine() throws Exception {
        List<SourcePatch> patches = SourceManifest.load(Flavours.dir(Flavour.DEFAULT)).get("unikraft").patches();
        assertEquals(List.of("unikraft/0001-ukalloc-ifpages-reserve-the-offset-it-returns.patch",
                        "unikraft/0002-tscclock-calibrate-in-windows-keep-the-lowest.patch"),
                patches.stream().map(SourcePatch::name).toList());
        String text = new String(patches.get(0).content(), StandardCharsets.US_ASCII);
        // A stand-in alloc.c: the hunk's old side at the line its header names.
        String header = text.lines().filter(l -> l.startsWith("@@ ")).findFirst().orElseThrow();
        int start = Integer.parseInt(header.replaceAll("^@@ -(\\d+),.*", "$1"));
        List<String> file = new ArrayList<>();
        for (int i = 1; i < start; i++) {
            file.add("/* line " + i + " */");
        }
        text.lines().dropWhile(l -> !l.startsWith("@@ ")).skip(1).filter(l -> !l.startsWith("+"))
                .forEach(l -> file.add(l.substring(1)));
        file.add("}");
        Path alloc = Files.createDirectories(tree.resolve("lib/ukalloc")).resolve("alloc.c");
        Files.writeString(alloc, String.join("\n", file) + "\n");

        assertEquals(List.of("lib/ukalloc/alloc.c"), PatchApplier.apply(patches.get(0), "unikraft", tree));
        String patched = Files.readString(alloc);
        assertTrue(patched.contains("\t__sz realsize = METADATA_IFPAGES_SIZE_POW2 + size;\n"), patched);
        assertFalse(patched.contains("sizeof(*metadata) + size"), patched);
        assertEquals(file.size() + 3, patched.lines().count(), "one line becomes a short comment and the fix");
    }

    /**
     * The TSC calibration correction: applied to a stand-in tscclock.c holding each hunk's old side at the line its
     * header names, it replaces the single 100 ms calibration by the five windows on the 55 ms period.
     */
    @Test
    void theBundledTscclockCorrectionCalibratesInFiveWindows() throws Exception {
        SourcePatch patch = SourceManifest.load(Flavours.dir(Flavour.DEFAULT)).get("unikraft").patches().get(1);
        String text = new String(patch.content(), StandardCharsets.US_ASCII);
        List<String> file = new ArrayList<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).startsWith("@@ ")) {
                continue;
            }
            int start = Integer.parseInt(lines.get(i).replaceAll("^@@ -(\\d+),.*", "$1"));
            while (file.size() < start - 1) {
                file.add("/* line " + (file.size() + 1) + " */");
            }
            for (int j = i + 1; j < lines.size() && !lines.get(j).startsWith("@@ "); j++) {
                if (!lines.get(j).startsWith("+")) {
                    file.add(lines.get(j).substring(1));
                }
            }
        }
        Path c = Files.createDirectories(tree.resolve("plat/kvm/x86")).resolve("tscclock.c");
        Files.writeString(c, String.join("\n", file) + "\n");

        assertEquals(List.of("plat/kvm/x86/tscclock.c"), PatchApplier.apply(patch, "unikraft", tree));
        String patched = Files.readString(c);
        assertTrue(patched.contains("\t\t\ti8254_delay(20000, 65536);\n"), patched);
        assertTrue(patched.contains("\t\tfor (i = 0; i < 5; i++) {\n"), patched);
        assertTrue(patched.contains("if (!tsc_freq || tsc_est < tsc_freq)"), patched);
        assertFalse(patched.contains("i8254_delay(100000);"), patched);
        assertFalse(patched.contains("const unsigned long timer_rval = TIMER_HZ / CONFIG_HZ;"), patched);
    }
}
