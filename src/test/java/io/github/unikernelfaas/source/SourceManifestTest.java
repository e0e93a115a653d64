package io.github.unikernelfaas.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceManifestTest {
    static final String UKALLOC = "unikraft/0001-ukalloc-ifpages-reserve-the-offset-it-returns.patch";
    static final String TSCCLOCK = "unikraft/0002-tscclock-calibrate-in-windows-keep-the-lowest.patch";

    @TempDir
    Path tmp;
    @Test
    void bundledManifestPinsTheNineReferenceSources() {
        SourceManifest m = TestSources.bundled();
        List<String> ids = new ArrayList<>();
        for (Source s : m.sources()) {
            ids.add(s.id());
            assertTrue(s.verification().pinned(), s.id() + " is pinned");
            assertEquals("https", s.url().getScheme(), s.id());
        }
        assertEquals(List.of("unikraft", "lib-musl", "lib-lwip", "lib-zlib", "lib-python3", "musl", "lwip", "zlib",
                "python3"), ids);

        Source core = m.get("unikraft");
        assertEquals(Source.Role.CORE, core.role());
        assertEquals(URI.create("https://github.com/unikraft/unikraft/archive/85b83a741e8bf7002ce6b926e4706d39323282f6"
                + ".tar.gz"), core.url());
        assertEquals(Verification.Kind.TREE_SHA256, core.verification().kind());

        // Libs in make's L= order, musl first.
        List<String> libs = new ArrayList<>();
        for (Source s : m.sources()) {
            if (s.role() == Source.Role.LIB) {
                libs.add(s.lib());
                assertTrue(s.version().matches("[0-9a-f]{40}"), s.id() + " pins a full commit id");
                assertEquals(Verification.Kind.TREE_SHA256, s.verification().kind(), s.id());
            }
        }
        assertEquals(List.of("libmusl", "liblwip", "libzlib", "libpython3"), libs);

        // Where make expects each origin archive: build/<libname>/<basename of the lib's URL>.
        assertEquals("libmusl/musl-1.2.3.tar.gz", m.get("musl").placeAs());
        assertEquals("liblwip/UNIKRAFT-2_1_x.zip", m.get("lwip").placeAs());
        assertEquals("libzlib/zlib-1.2.13.tar.gz", m.get("zlib").placeAs());
        assertEquals("libpython3/Python-3.7.4.tgz", m.get("python3").placeAs());
        assertEquals("fork-lwip-UNIKRAFT-2_1_x", m.get("lwip").topDir());
        assertEquals("Python-3.7.4", m.get("python3").topDir());
        assertEquals("d63e63e14e6d29e17490abbe6f7d17afb3db182dbd801229f14e55f4157c4ba3",
                m.get("python3").verification().value());
        assertEquals(Verification.Kind.SHA256, m.get("musl").verification().kind());
        assertEquals(Verification.Kind.TREE_SHA256, m.get("lwip").verification().kind(), "GitHub zip: tree digest");
        assertEquals(URI.create("https://www.python.org/ftp/python/3.7.4/Python-3.7.4.tgz"), m.get("python3").url());
    }

    @Test
    void onlyTheCoreCarriesAPatchOurUkallocCorrection() {
        SourceManifest m = TestSources.bundled();
        for (Source s : m.sources()) {
            List<String> names = s.patches().stream().map(SourcePatch::name).toList();
            assertEquals(s.id().equals("unikraft") ? List.of(UKALLOC, TSCCLOCK) : List.of(), names, s.id());
        }
        String diff = new String(m.get("unikraft").patches().get(0).content(), StandardCharsets.US_ASCII);
        assertTrue(diff.contains("\n--- a/lib/ukalloc/alloc.c\n+++ b/lib/ukalloc/alloc.c\n@@ "), diff);
    }

    @Test
    void anOverrideKeepsReplacesOrDropsThePinnedPatches() throws Exception {
        SourceManifest base = TestSources.bundled();
        Path fix = Files.writeString(tmp.resolve("my-fix.patch"), "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n");
        SourceManifest kept = base.withOverrides(List.of(new SourceOverride("unikraft", null,
                "https://mirror.example/unikraft.tar.gz", null, null)));
        assertEquals(base.get("unikraft").patches(), kept.get("unikraft").patches(), "a mirror URL keeps them");
        SourceManifest dropped = base.withOverrides(List.of(new SourceOverride("unikraft", "abc", null, null,
                "a".repeat(64), List.of(), SourceOverride.POM)));
        assertEquals(List.of(), dropped.get("unikraft").patches());
        SourceManifest replaced = base.withOverrides(List.of(new SourceOverride("unikraft", null, null, null, null,
                List.of(fix), SourceOverride.POM)));
        SourcePatch p = replaced.get("unikraft").patches().get(0);
        assertEquals(1, replaced.get("unikraft").patches().size());
        assertEquals("unikraft/my-fix.patch", p.name());
        assertEquals(Files.readString(fix), new String(p.content(), StandardCharsets.UTF_8));
        assertEquals(fix.toAbsolutePath().toString(), p.location());
    }

    @Test
    void aMissingPatchFileOrAPatchForAnOriginIsRefused() {
        SourceManifest m = TestSources.bundled();
        Path missing = tmp.resolve("nope.patch");
        SourceException e = assertThrows(SourceException.class, () -> m.withOverrides(List.of(new SourceOverride(
                "lib-musl", null, null, null, null, List.of(missing), SourceOverride.POM))));
        assertEquals("The patch file " + missing + " for source 'lib-musl' (<sources> in the POM) does not exist",
                e.getMessage());
        SourceException origin = assertThrows(SourceException.class, () -> m.withOverrides(List.of(
                new SourceOverride("musl", null, null, null, null, List.of(Path.of("pom.xml")), SourceOverride.POM))));
        assertTrue(origin.getMessage().contains("'musl' is an origin archive"), origin.getMessage());
    }

    @Test
    void oneIdOverriddenInThePomAndInTheSourcesFileNamesBoth() {
        SourceException e = assertThrows(SourceException.class, () -> TestSources.bundled().withOverrides(List.of(
                new SourceOverride("zlib", null, "https://a.example/z.tar.gz", null, null),
                new SourceOverride("zlib", null, null, "b".repeat(64), null, null, "the sources file /x/s.json"))));
        assertEquals("Source 'zlib' is overridden twice: in <sources> in the POM and in the sources file /x/s.json."
                + " Override each id once.", e.getMessage());
    }

    @Test
    void aBundledPatchNameMustBeAPathBelowPatches() throws Exception {
        String json = "{\"format\":1,\"sources\":[{\"id\":\"c\",\"version\":\"1\",\"url\":\"https://h/c.tar.gz\","
                + "\"archive\":\"tar.gz\",\"treeSha256\":\"unverified\",\"role\":\"core\",\"patches\":[%s]}]}";
        SourceException up = assertThrows(SourceException.class, () -> TestSources.parse(String.format(json,
                "\"../sources.json\"")));
        assertTrue(up.getMessage().contains("lists the patch '../sources.json'"), up.getMessage());
        SourceException absent = assertThrows(SourceException.class, () -> TestSources.parse(String.format(json,
                "\"c/0001-none.patch\"")));
        assertTrue(absent.getMessage().contains("patches/c/0001-none.patch"), absent.getMessage());
        assertEquals(List.of(UKALLOC), TestSources.parse(String.format(json, "\"" + UKALLOC + "\"")).get("c")
                .patches().stream().map(SourcePatch::name).toList());
    }

    @Test
    void urlOverrideKeepsThePinAndVersionOverrideDropsIt() {
        SourceManifest base = TestSources.bundled();
        SourceManifest m = base.withOverrides(List.of(
                new SourceOverride("musl", null, "https://mirror.example/musl-1.2.3.tar.gz", null, null),
                new SourceOverride("python3", "3.7.5", null, null, null)));
        assertEquals(base.get("musl").verification(), m.get("musl").verification());
        assertEquals("libmusl/musl-1.2.3.tar.gz", m.get("musl").placeAs(), "make's name does not follow the URL");
        assertFalse(m.get("python3").verification().pinned());
        assertEquals("libpython3/Python-3.7.5.tgz", m.get("python3").placeAs());
        assertEquals(URI.create("https://www.python.org/ftp/python/3.7.5/Python-3.7.5.tgz"), m.get("python3").url());
    }

    @Test
    void checksumOverrideCanSwitchTheKind() {
        String tree = "a".repeat(64);
        SourceManifest m = TestSources.bundled().withOverrides(List.of(
                new SourceOverride("zlib", null, null, null, tree),
                new SourceOverride("unikraft", "abc", null, "B".repeat(64), null)));
        assertEquals(Verification.tree(tree), m.get("zlib").verification());
        assertEquals(Verification.sha256("b".repeat(64)), m.get("unikraft").verification(), "lower-cased");
        assertEquals(URI.create("https://github.com/unikraft/unikraft/archive/abc.tar.gz"), m.get("unikraft").url());
    }

    @Test
    void badOverridesAreRefusedWithTheKnownIds() {
        SourceManifest m = TestSources.bundled();
        SourceException e = assertThrows(SourceException.class,
                () -> m.withOverrides(List.of(new SourceOverride("pyhton3", null, null, null, null))));
        assertTrue(e.getMessage().contains("pyhton3") && e.getMessage().contains("python3"), e.getMessage());
        assertThrows(SourceException.class,
                () -> m.withOverrides(List.of(new SourceOverride("zlib", null, null, "a".repeat(64), "b".repeat(64)))));
        assertThrows(SourceException.class,
                () -> m.withOverrides(List.of(new SourceOverride("zlib", null, null, "not-hex", null))));
        assertThrows(SourceException.class,
                () -> m.withOverrides(List.of(new SourceOverride("zlib", null, "ftp://x/zlib.tar.gz", null, null))));
    }

    @Test
    void unverifiedPinIsAllowedInTheManifestButNotUsable() throws Exception {
        String json = "{\"format\":1,\"sources\":[{\"id\":\"c\",\"version\":\"1\",\"url\":\"https://h/c.tar.gz\","
                + "\"archive\":\"tar.gz\",\"treeSha256\":\"unverified\",\"role\":\"core\"}]}";
        SourceManifest m = TestSources.parse(json);
        assertNull(m.get("c").verification().value());
        SourceException e = assertThrows(SourceException.class,
                () -> SourceResolver.builder(java.nio.file.Path.of("/nonexistent")).build().resolve(m));
        assertTrue(e.getMessage().contains("<source><id>c</id><treeSha256>...</treeSha256></source>"), e.getMessage());
    }

    @Test
    void mirrorLayoutIsMirrorHostPath() {
        URI mirror = URI.create("https://mirror.corp/unikraft");
        assertEquals(URI.create("https://mirror.corp/unikraft/www.python.org/ftp/python/3.7.4/Python-3.7.4.tgz"),
                MirrorLayout.map(URI.create("https://www.python.org/ftp/python/3.7.4/Python-3.7.4.tgz"), mirror));
        assertEquals(URI.create("http://127.0.0.1:8080/www.zlib.net/fossils/zlib-1.2.13.tar.gz"),
                MirrorLayout.map(URI.create("http://www.zlib.net/fossils/zlib-1.2.13.tar.gz"),
                        URI.create("http://127.0.0.1:8080/")));
        assertEquals(URI.create("file:/srv/m/github.com/a/b.zip?x=1"),
                MirrorLayout.map(URI.create("https://github.com:443/a/b.zip?x=1"), URI.create("file:/srv/m")));
        assertEquals(URI.create("https://h/x"), MirrorLayout.map(URI.create("https://h/x"), null));
        assertThrows(SourceException.class, () -> MirrorLayout.parseMirror("ftp://x/"));
        assertNull(MirrorLayout.parseMirror(" "));
    }

    @Test
    void selectKeepsManifestOrderAndTheOverridesAndNamesAnUnknownId() {
        SourceManifest m = TestSources.bundled().withOverrides(List.of(new SourceOverride("python3", null,
                "https://mirror.example/Python-3.7.4.tgz", null, null)));
        List<Source> chosen = m.select(List.of("python3", "lib-python3"));
        assertEquals(List.of("lib-python3", "python3"), chosen.stream().map(Source::id).toList());
        assertEquals(URI.create("https://mirror.example/Python-3.7.4.tgz"), chosen.get(1).url());
        SourceException e = assertThrows(SourceException.class, () -> m.select(List.of("python3", "cpython")));
        assertTrue(e.getMessage().contains("No source 'cpython'"), e.getMessage());
        assertTrue(e.getMessage().contains("lib-python3"), e.getMessage());
    }

    @Test
    void proxyChoiceFollowsMavenRules() {
        ProxyConfig c = new ProxyConfig(List.of(
                new ProxyRule("http", "proxy", 3128, "*.corp|localhost, 127.0.0.1", null, null)));
        assertEquals("proxy", c.ruleFor(URI.create("https://github.com/x")).host(), "https falls back to http");
        assertNull(c.ruleFor(URI.create("http://repo.corp/x")));
        assertNull(c.ruleFor(URI.create("http://LOCALHOST:8080/x")));
        assertNull(c.ruleFor(URI.create("http://127.0.0.1/x")));
        ProxyConfig both = new ProxyConfig(List.of(new ProxyRule("http", "p1", 1, null, null, null),
                new ProxyRule("https", "p2", 2, null, "u", "p")));
        assertEquals("p2", both.ruleFor(URI.create("https://x/")).host());
        assertEquals("p1", both.ruleFor(URI.create("http://x/")).host());
        assertTrue(both.authenticator() != null);
        assertEquals(java.net.Proxy.NO_PROXY, c.selector(null).select(URI.create("http://localhost/")).get(0));
    }
}
