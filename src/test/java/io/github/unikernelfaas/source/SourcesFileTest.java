package io.github.unikernelfaas.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourcesFileTest {
    @TempDir
    Path tmp;

    private Path write(String json) throws Exception {
        return Files.writeString(tmp.resolve("sources.json"), json);
    }

    @Test
    void checksumOverridesOfAFileApplyOverThePins() throws Exception {
        String musl = "0504e33a974971ad21cd49213f21a2ff93440f81826b806e57862547abe9b9cf";
        Path file = write("{\"sources\": [\n  {\"id\": \"musl\", \"sha256\": \"" + musl + "\"},\n"
                + "  {\"id\": \"lwip\", \"url\": \"file:///srv/m/lwip.zip\"}\n]}\n");
        List<SourceOverride> read = SourcesFile.read(file);
        assertEquals(2, read.size());
        assertEquals("the sources file " + file.toAbsolutePath(), read.get(0).from());
        assertNull(read.get(0).patches(), "no patches field: the pinned patches stay");
        SourceManifest base = TestSources.bundled();
        SourceManifest m = base.withOverrides(read);
        assertEquals(Verification.sha256(musl), m.get("musl").verification());
        assertEquals(base.get("lwip").verification(), m.get("lwip").verification(), "a URL alone keeps the pin");
        assertEquals("file:///srv/m/lwip.zip", m.get("lwip").url().toString());
        assertEquals(base.get("unikraft"), m.get("unikraft"));
    }

    @Test
    void patchPathsAreTakenFromTheFilesFolderAndAnEmptyListDropsThem() throws Exception {
        Files.createDirectories(tmp.resolve("fixes"));
        Files.writeString(tmp.resolve("fixes/ours.patch"), "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n");
        SourceManifest m = TestSources.bundled().withOverrides(SourcesFile.read(write(
                "{\"sources\": [{\"id\": \"unikraft\", \"patches\": [\"fixes/ours.patch\"]},"
                + " {\"id\": \"lib-musl\", \"patches\": []}]}")));
        assertEquals(List.of("unikraft/ours.patch"), m.get("unikraft").patches().stream().map(SourcePatch::name)
                .toList());
        assertEquals(tmp.resolve("fixes/ours.patch").toAbsolutePath().toString(),
                m.get("unikraft").patches().get(0).location());
        assertEquals(List.of(), SourcesFile.read(tmp.resolve("sources.json")).get(1).patches());
    }

    @Test
    void aMisspeltFieldFailsNamingTheFileTheFieldAndTheEntry() throws Exception {
        Path file = write("{\"sources\": [{\"id\": \"musl\"}, {\"id\": \"zlib\", \"sha265\": \"ab\"}]}");
        SourceException e = assertThrows(SourceException.class, () -> SourcesFile.read(file));
        assertTrue(e.getMessage().startsWith("Sources file " + file.toAbsolutePath() + ": unknown field 'sha265' at"
                + " sources[1].sha265 (line 1)"), e.getMessage());
        assertTrue(e.getMessage().contains(SourcesFile.FIELDS), e.getMessage());
        Path top = write("{\"source\": []}");
        SourceException t = assertThrows(SourceException.class, () -> SourcesFile.read(top));
        assertTrue(t.getMessage().contains("unknown field 'source' at source "), t.getMessage());
    }

    @Test
    void aFileThatIsMissingNotJsonOrWithoutSourcesFailsNamingIt() throws Exception {
        Path missing = tmp.resolve("nope.json");
        assertEquals("The sources file " + missing.toAbsolutePath() + " (unikernel.sourcesFile) does not exist",
                assertThrows(SourceException.class, () -> SourcesFile.read(missing)).getMessage());
        Path broken = write("{\"sources\": [{\"id\": \"musl\",}]}");
        SourceException e = assertThrows(SourceException.class, () -> SourcesFile.read(broken));
        assertTrue(e.getMessage().startsWith("Sources file " + broken.toAbsolutePath() + " is not valid: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("line 1, column"), e.getMessage());
        Path twice = write("{\"sources\": [{\"id\": \"musl\", \"sha256\": \"a\", \"sha256\": \"b\"}]}");
        assertTrue(assertThrows(SourceException.class, () -> SourcesFile.read(twice)).getMessage()
                .contains("Duplicate field 'sha256'"), "a key given twice is not silently the last one");
        Path notAList = write("{\"sources\": {\"id\": \"musl\"}}");
        assertTrue(assertThrows(SourceException.class, () -> SourcesFile.read(notAList)).getMessage()
                .contains(" is not valid: "));
        Path empty = write("{}");
        assertTrue(assertThrows(SourceException.class, () -> SourcesFile.read(empty)).getMessage()
                .contains("has no \"sources\" list"));
        Path noId = write("{\"sources\": [{\"url\": \"https://x/y.tar.gz\"}]}");
        assertTrue(assertThrows(SourceException.class, () -> SourcesFile.read(noId)).getMessage()
                .endsWith("entry 0 of \"sources\" has no \"id\""));
    }

    @Test
    void anUnknownIdFailsNamingTheFile() throws Exception {
        Path file = write("{\"sources\": [{\"id\": \"pyhton3\", \"sha256\": \"" + "a".repeat(64) + "\"}]}");
        List<SourceOverride> read = SourcesFile.read(file);
        SourceException e = assertThrows(SourceException.class, () -> TestSources.bundled().withOverrides(read));
        assertTrue(e.getMessage().startsWith("Source override in the sources file " + file.toAbsolutePath()
                + " for unknown id 'pyhton3'; known ids: [unikraft, "), e.getMessage());
    }
}
