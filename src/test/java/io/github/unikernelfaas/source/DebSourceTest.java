package io.github.unikernelfaas.source;

import static io.github.unikernelfaas.source.TestSources.cachedFiles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Debian package (bookworm's libpython3.11-minimal, from this machine's apt) pinned in a manifest by its
 * archive URL and sha256, served by a loopback HTTP server laid out as the archive's pool behind
 * {@code unikernel.mirror}, through the ordinary fetch/verify/cache/offline path.
 */
@Timeout(value = 400, unit = TimeUnit.SECONDS)
class DebSourceTest {
    private static final String PACKAGE = "libpython3.11-minimal";

    @TempDir
    static Path downloads;

    private static AptDownloads.Deb deb;
    private static byte[] bytes;
    private static String sha256;

    @TempDir
    Path tmp;

    private Path cache;
    private FixtureServer server;
    private final SourceResolverTest.RecordingLog log = new SourceResolverTest.RecordingLog();

    @BeforeAll
    static void download() throws Exception {
        deb = AptDownloads.download(downloads, Map.of(PACKAGE, "python3.11")).get(PACKAGE);
        bytes = Files.readAllBytes(deb.file());
        sha256 = Fixtures.sha256(bytes);
    }

    @BeforeEach
    void start() throws Exception {
        cache = tmp.resolve("cache");
        server = new FixtureServer().put("/deb.debian.org/debian/" + deb.poolPath(), bytes);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String manifest(String pin) throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode().put("format", 1);
        root.putArray("drop").add("usr/share/doc").add("**/__pycache__");
        ObjectNode e = root.putArray("sources").addObject();
        e.put("id", PACKAGE).put("version", "bookworm").put("url", deb.archiveUrl()).put("archive", "deb")
                .put("sha256", pin).put("role", "deb");
        e.putArray("drop").add("usr/share/lintian");
        return m.writeValueAsString(root);
    }

    private SourceSet resolve(String pin, boolean offline) throws Exception {
        return SourceResolverTest.resolver(cache, server, log).offline(offline).build()
                .resolve(TestSources.parse(manifest(pin)).sources());
    }

    @Test
    void aPinnedDebIsVerifiedCachedExtractedAndReusedOffline() throws Exception {
        SourceSet set = resolve(sha256, false);
        assertEquals(1, server.requests("/deb.debian.org/debian/" + deb.poolPath()));
        assertEquals(List.of(), set.origins(), "a package is not an origin archive for make");
        assertEquals(1, set.packages().size());
        SourceSet.DebPackage p = set.packages().get(0);
        assertEquals(PACKAGE, p.id());
        assertEquals(sha256, p.sha256());
        assertEquals(sha256, Fixtures.sha256(Files.readAllBytes(p.file())));
        assertTrue(p.file().startsWith(cache), p.file().toString());
        assertEquals(List.of("usr/share/doc", "**/__pycache__", "usr/share/lintian"), p.drop().patterns(),
                "the manifest's drop patterns, then the entry's own");

        Path out = tmp.resolve("root");
        ArchiveExtractor.extract(p.file(), ArchiveType.DEB, out, p.drop());
        assertTrue(Files.isRegularFile(out.resolve("usr/lib/python3.11/os.py")));
        assertTrue(Files.isRegularFile(out.resolve("usr/lib/python3.11/encodings/utf_8.py")));
        assertFalse(Files.exists(out.resolve("usr/share/doc"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(out.resolve("usr/share/lintian"), LinkOption.NOFOLLOW_LINKS));

        // Offline, from the cache: no request, the same verified file.
        SourceSet again = resolve(sha256, true);
        assertEquals(1, server.totalRequests());
        assertEquals(p.file(), again.packages().get(0).file());
        assertEquals(set.key(), again.key());
    }

    @Test
    void aWrongSha256IsRefusedAndNothingIsLeftInTheCache() throws Exception {
        String wrong = "0".repeat(64);
        SourceException e = assertThrows(SourceException.class, () -> resolve(wrong, false));
        String m = e.getMessage();
        assertTrue(m.contains("Checksum mismatch for " + PACKAGE + " bookworm"), m);
        assertTrue(m.contains("expected sha256 " + wrong + ", got " + sha256), m);
        assertTrue(m.contains("Nothing was cached"), m);
        assertEquals(List.of(), cachedFiles(cache.resolve("sources")), "no entry for the package");
        assertEquals(List.of(), cachedFiles(cache.resolve("tmp")), "no half-written download");
        // Offline, the package is then reported missing rather than taken from a partial entry.
        SourceException offline = assertThrows(SourceException.class, () -> resolve(sha256, true));
        assertTrue(offline.getMessage().contains("not in the cache"), offline.getMessage());
    }

    @Test
    void aFileThatIsNoDebianPackageIsNotCachedEvenWithItsOwnSha256() throws Exception {
        byte[] page = "<html>404</html>".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        server.put("/deb.debian.org/debian/" + deb.poolPath(), page);
        SourceException e = assertThrows(SourceException.class, () -> resolve(Fixtures.sha256(page), false));
        assertTrue(e.getMessage().contains("not a Debian package"), e.getMessage());
        assertEquals(List.of(), cachedFiles(cache.resolve("sources")));
    }
}
