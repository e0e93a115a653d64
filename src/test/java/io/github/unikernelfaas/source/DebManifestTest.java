package io.github.unikernelfaas.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Debian packages in sources.json: role deb, archive deb, sha256 pins, drop patterns. */
class DebManifestTest {
    private static final String SHA = "ab".repeat(32);
    private static final String URL = "https://deb.debian.org/debian/pool/main/p/python3.11/"
            + "libpython3.11-minimal_${version}_amd64.deb";

    private static String deb(String extra) {
        return "{\"id\": \"libpython3.11-minimal\", \"version\": \"3.11.2-6+deb12u6\", \"url\": \"" + URL + "\","
                + " \"archive\": \"deb\", \"role\": \"deb\"" + extra + "}";
    }

    private static SourceManifest parse(String top, String... entries) throws Exception {
        return TestSources.parse("{\"format\": 1" + top + ", \"sources\": [" + String.join(",", entries) + "]}");
    }

    private static String fail(String top, String... entries) {
        return assertThrows(SourceException.class, () -> parse(top, entries)).getMessage();
    }

    @Test
    void aPackageIsPinnedByUrlAndSha256AndCarriesTheDropPatterns() throws Exception {
        SourceManifest m = parse(", \"drop\": [\"usr/share/doc\", \"**/__pycache__\"]",
                deb(", \"sha256\": \"" + SHA + "\", \"drop\": [\"usr/lib/python3.11/test\"]"));
        Source s = m.get("libpython3.11-minimal");
        assertEquals(Source.Role.DEB, s.role());
        assertEquals(ArchiveType.DEB, s.archive());
        assertEquals("https://deb.debian.org/debian/pool/main/p/python3.11/libpython3.11-minimal_3.11.2-6+deb12u6"
                + "_amd64.deb", s.url().toString());
        assertEquals("libpython3.11-minimal_3.11.2-6+deb12u6_amd64.deb", s.fileName());
        assertEquals(SHA, s.verification().value());
        assertEquals(List.of("usr/share/doc", "**/__pycache__", "usr/lib/python3.11/test"), s.drop().patterns());
        assertTrue(!s.extracted(), "kept as the verified .deb in the cache");
        assertNull(s.lib());
    }

    @Test
    void aManifestOfPackagesAloneNeedsNoCoreButKernelSourcesStillDo() throws Exception {
        assertEquals(1, parse("", deb(", \"sha256\": \"" + SHA + "\"")).sources().size());
        String lib = "{\"id\": \"lib-a\", \"version\": \"1\", \"url\": \"https://x.example/a.zip\", \"archive\": \"zip\","
                + " \"treeSha256\": \"" + SHA + "\", \"role\": \"lib\", \"lib\": \"liba\"}";
        assertTrue(fail("", deb(", \"sha256\": \"" + SHA + "\""), lib).contains("exactly one source with role core"));
    }

    @Test
    void aPackageMustBePinnedByTheSha256OfTheDeb() {
        String m = fail("", deb(", \"treeSha256\": \"" + SHA + "\""));
        assertTrue(m.contains("pin a Debian package by the sha256 of the .deb"), m);
    }

    @Test
    void roleAndArchiveMustAgree() {
        String m = fail("", "{\"id\": \"x\", \"version\": \"1\", \"url\": \"https://x.example/x.deb\","
                + " \"archive\": \"tar.xz\", \"role\": \"deb\", \"sha256\": \"" + SHA + "\"}");
        assertTrue(m.contains("role deb and archive deb"), m);
    }

    @Test
    void dropOnAnythingButAPackageAndBadPatternsAreRefused() {
        String core = "{\"id\": \"core\", \"version\": \"1\", \"url\": \"https://x.example/c.tar.gz\","
                + " \"archive\": \"tar.gz\", \"treeSha256\": \"" + SHA + "\", \"role\": \"core\", \"drop\": [\"a\"]}";
        assertTrue(fail("", core).contains("drop applies only to Debian packages"));
        assertTrue(fail(", \"drop\": \"usr/share/doc\"", deb(", \"sha256\": \"" + SHA + "\""))
                .contains("must be a list of path patterns"));
        assertTrue(fail("", deb(", \"sha256\": \"" + SHA + "\", \"drop\": [\"/usr/share\"]"))
                .contains("Invalid drop pattern '/usr/share'"));
        assertTrue(fail("", deb(", \"sha256\": \"" + SHA + "\", \"topDir\": \"usr\""))
                .contains("takes no lib, placeAs, topDir or patches"));
    }

    @Test
    void anOverrideKeepsTheDropPatterns() throws Exception {
        SourceManifest m = parse(", \"drop\": [\"usr/share/doc\"]", deb(", \"sha256\": \"" + SHA + "\""))
                .withOverrides(List.of(new SourceOverride("libpython3.11-minimal", null,
                        "https://mirror.example/p.deb", null, null, null, "the POM")));
        Source s = m.get("libpython3.11-minimal");
        assertEquals("https://mirror.example/p.deb", s.url().toString());
        assertEquals(SHA, s.verification().value(), "same version: the pin holds");
        assertEquals(List.of("usr/share/doc"), s.drop().patterns());
    }
}
