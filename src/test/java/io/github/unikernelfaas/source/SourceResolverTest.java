package io.github.unikernelfaas.source;

import static io.github.unikernelfaas.source.Fixtures.E;
import static io.github.unikernelfaas.source.TestSources.CORE_PATH;
import static io.github.unikernelfaas.source.TestSources.LIB_PATH;
import static io.github.unikernelfaas.source.TestSources.ORIGIN_PATH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SourceResolverTest {
    @TempDir
    Path tmp;

    private Path cache;
    private FixtureServer server;
    private TestSources sources;
    private RecordingLog log;

    @BeforeEach
    void start() throws Exception {
        cache = tmp.resolve("cache");
        sources = new TestSources();
        server = sources.serveOn(new FixtureServer());
        log = new RecordingLog();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private SourceResolver.Builder resolver() {
        return resolver(cache, server, log);
    }

    /** A resolver of {@code cache} fetching from the fixture server, with short test timeouts. */
    static SourceResolver.Builder resolver(Path cache, FixtureServer server, FetchLog log) {
        return SourceResolver.builder(cache).mirror(server.base()).log(log)
                .connectTimeout(Duration.ofSeconds(5)).idleTimeout(Duration.ofSeconds(10))
                .lockTimeout(Duration.ofSeconds(30));
    }

    @Test
    void resolvesVerifiesAndHandsOutTreesAndOriginArchives() throws Exception {
        SourceSet set = resolver().build().resolve(sources.manifest());
        assertTrue(set.core().endsWith("tree/core-v1"), set.core().toString());
        assertTrue(Files.isRegularFile(set.core().resolve("Makefile.uk")));
        assertTrue(Files.isExecutable(set.core().resolve("support/run.sh")));
        assertEquals(List.of("liba"), new ArrayList<>(set.libs().keySet()));
        assertTrue(Files.isRegularFile(set.lib("liba").resolve("src/main.c")));
        assertEquals(set.lib("liba").toAbsolutePath().toString(), set.libraryPath());
        assertEquals(1, set.origins().size());
        SourceSet.OriginArchive o = set.origins().get(0);
        assertEquals("liba/orig-1.0.tar.gz", o.placeAs());
        assertEquals("orig-1.0.tar.gz", o.fileName());
        assertArrayEquals(sources.origin, Files.readAllBytes(o.file()));
        assertEquals(64, set.key().length());
        assertTrue(log.infos.stream().anyMatch(l -> l.startsWith("Downloaded orig 1.0 (")), log.infos.toString());
    }

    @Test
    void aSubsetFetchesOnlyItsSources() throws Exception {
        SourceSet set = resolver().build().resolve(sources.manifest().select(List.of("lib-a", "orig")));
        assertEquals(0, server.requests(CORE_PATH), "the core is not fetched");
        assertEquals(1, server.requests(LIB_PATH));
        assertEquals(1, server.requests(ORIGIN_PATH));
        assertEquals(null, set.core());
        assertTrue(Files.isRegularFile(set.lib("liba").resolve("src/main.c")));
        assertArrayEquals(sources.origin, Files.readAllBytes(set.origins().get(0).file()));
        assertEquals(List.of("lib-a", "orig"), cachedIds());
        assertTrue(log.infos.contains("Sources: 2 verified in " + cache.toAbsolutePath().normalize()
                + " (2 downloaded)"), log.infos.toString());
        // The full set later reuses the subset's entries and fetches only the core.
        resolver().build().resolve(sources.manifest());
        assertEquals(List.of(1, 1, 1), List.of(server.requests(CORE_PATH), server.requests(LIB_PATH),
                server.requests(ORIGIN_PATH)));
    }

    @Test
    void offlineSubsetNamesOnlyItsMissingSources() throws Exception {
        SourceException e = assertThrows(SourceException.class, () -> resolver().offline(true).build()
                .resolve(sources.manifest().select(List.of("lib-a", "orig"))));
        String m = e.getMessage();
        assertTrue(m.contains("2 of 2 sources are not in the cache"), m);
        assertTrue(m.contains("lib-a v2") && m.contains("orig 1.0"), m);
        assertTrue(m.contains(server.base().resolve(ORIGIN_PATH.substring(1)).toString()), m);
        assertFalse(m.contains("core v1"), m);
        assertEquals(0, server.totalRequests());
        // With the subset cached, offline works for it although the core was never fetched.
        resolver().build().resolve(sources.manifest().select(List.of("lib-a", "orig")));
        SourceSet set = resolver().offline(true).build().resolve(sources.manifest().select(List.of("orig", "lib-a")));
        assertEquals(List.of("liba"), new ArrayList<>(set.libs().keySet()));
    }

    private List<String> cachedIds() throws Exception {
        try (var s = Files.list(cache.resolve("sources"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void cacheHitMakesNoRequest() throws Exception {
        SourceSet first = resolver().build().resolve(sources.manifest());
        assertEquals(3, server.totalRequests());
        // The same resolver, and a new one (the next build), find everything in the cache.
        SourceSet second = resolver().build().resolve(sources.manifest());
        SourceSet third = SourceResolver.builder(cache).mirror(server.base()).build().resolve(sources.manifest());
        assertEquals(3, server.totalRequests(), "no request once cached");
        assertEquals(first.core(), second.core());
        assertEquals(first.core(), third.core());
        assertEquals(first.key(), third.key());
        assertTrue(log.infos.get(log.infos.size() - 1).contains("all from the cache"), log.infos.toString());
    }

    @Test
    void checksumMismatchIsAClearErrorAndCachesNothing() throws Exception {
        String wrong = "0".repeat(64);
        SourceException e = assertThrows(SourceException.class, () -> resolver().build()
                .resolve(TestSources.parse(sources.manifestJson(sources.coreTree, sources.libTree, wrong))));
        String m = e.getMessage();
        assertTrue(m.contains("Checksum mismatch for orig 1.0"), m);
        assertTrue(m.contains("expected sha256 " + wrong), m);
        assertTrue(m.contains("got " + sources.originSha), m);
        assertTrue(m.contains("<source><id>orig</id><sha256>" + sources.originSha + "</sha256></source>"), m);
        assertTrue(m.contains("Nothing was cached"), m);
        assertEquals(List.of(), cachedFiles("sources/orig"), "nothing cached for the bad source");
        assertEquals(List.of(), cachedFiles("tmp"), "no temp leftovers");
    }

    @Test
    void treeChecksumMismatchNamesTheTreeOverride() throws Exception {
        String wrong = "ab".repeat(32);
        SourceException e = assertThrows(SourceException.class, () -> resolver().build()
                .resolve(TestSources.parse(sources.manifestJson(wrong, sources.libTree, sources.originSha))));
        assertTrue(e.getMessage().contains("expected treeSha256 " + wrong + ", got " + sources.coreTree),
                e.getMessage());
        assertTrue(e.getMessage().contains("<treeSha256>" + sources.coreTree + "</treeSha256>"), e.getMessage());
        assertEquals(List.of(), cachedFiles(""));
    }

    @Test
    void truncatedDownloadFailsAndIsNotCached() throws Exception {
        try (TruncatingServer raw = new TruncatingServer()) {
            raw.put(CORE_PATH, sources.core, false).put(LIB_PATH, sources.lib, false)
                    .put(ORIGIN_PATH, sources.origin, true);
            SourceException e = assertThrows(SourceException.class,
                    () -> resolver().mirror(raw.base()).build().resolve(sources.manifest()));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
            assertTrue(e.getMessage().contains(ORIGIN_PATH), e.getMessage());
            assertTrue(e.getMessage().contains("Nothing was cached"), e.getMessage());
            assertEquals(List.of(), cachedFiles("sources/orig"));
            assertEquals(List.of(), cachedFiles("tmp"));
            // Once the server behaves, the next build fetches it (the verified core and lib are kept).
            raw.put(ORIGIN_PATH, sources.origin, false);
            SourceSet set = resolver().mirror(raw.base()).build().resolve(sources.manifest());
            assertArrayEquals(sources.origin, Files.readAllBytes(set.origins().get(0).file()));
        }
    }

    @Test
    void stalledDownloadTimesOutAndIsNotCached() throws Exception {
        server.mode(CORE_PATH, FixtureServer.Mode.STALL);
        long start = System.nanoTime();
        SourceException e = assertThrows(SourceException.class,
                () -> resolver().idleTimeout(Duration.ofSeconds(1)).build().resolve(sources.manifest()));
        assertTrue(e.getMessage().contains("stalled"), e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "bounded by the idle timeout");
        assertEquals(List.of(), cachedFiles(""));
    }

    @Test
    void notFoundNamesTheUrlAndTheWaysOut() throws Exception {
        FixtureServer empty = new FixtureServer();
        try {
            SourceException e = assertThrows(SourceException.class, () -> SourceResolver.builder(cache)
                    .mirror(empty.base()).build().resolve(sources.manifest()));
            String m = e.getMessage();
            assertTrue(m.contains(empty.base().resolve(CORE_PATH.substring(1)).toString()), m);
            assertTrue(m.contains("404"), m);
            assertTrue(m.contains("unikernel.mirror"), m);
            assertTrue(m.contains("<source>"), m);
            assertEquals(List.of(), cachedFiles(""));
        } finally {
            empty.close();
        }
    }

    @Test
    void offlineWorksFromTheCacheWithoutAnyRequest() throws Exception {
        resolver().build().resolve(sources.manifest());
        int before = server.totalRequests();
        server.close();
        SourceSet set = SourceResolver.builder(cache).offline(true).build().resolve(sources.manifest());
        assertTrue(Files.isRegularFile(set.core().resolve("Makefile.uk")));
        assertEquals(before, server.totalRequests());
    }

    @Test
    void offlineWithoutCacheNamesEachMissingSource() throws Exception {
        SourceException e = assertThrows(SourceException.class,
                () -> resolver().offline(true).build().resolve(sources.manifest()));
        String m = e.getMessage();
        assertTrue(m.contains("3 of 3 sources are not in the cache"), m);
        for (String path : List.of(CORE_PATH, LIB_PATH, ORIGIN_PATH)) {
            assertTrue(m.contains(server.base().resolve(path.substring(1)).toString()), m);
        }
        for (String id : List.of("core v1", "lib-a v2", "orig 1.0")) {
            assertTrue(m.contains(id), m);
        }
        assertEquals(0, server.totalRequests());
    }

    @Test
    void offlineWithPartialCacheNamesOnlyTheMissingOne() throws Exception {
        resolver().build().resolve(sources.manifest());
        io.github.unikernelfaas.host.Trees.delete(cache.resolve("sources/lib-a"));
        SourceException e = assertThrows(SourceException.class,
                () -> resolver().offline(true).build().resolve(sources.manifest()));
        assertTrue(e.getMessage().contains("1 of 3"), e.getMessage());
        assertTrue(e.getMessage().contains("lib-a v2"), e.getMessage());
        assertFalse(e.getMessage().contains("core v1"), e.getMessage());
    }

    @Test
    void corruptCachedArchiveIsDetectedAndReplaced() throws Exception {
        Path file = resolver().build().resolve(sources.manifest()).origins().get(0).file();
        // A partial write or bit rot: cut the file in half.
        Files.write(file, java.util.Arrays.copyOf(sources.origin, sources.origin.length / 2));
        assertEquals(1, server.requests(ORIGIN_PATH));
        SourceSet set = resolver().build().resolve(sources.manifest());
        assertEquals(2, server.requests(ORIGIN_PATH), "downloaded again");
        assertArrayEquals(sources.origin, Files.readAllBytes(set.origins().get(0).file()));
        assertTrue(log.warns.stream().anyMatch(w -> w.contains("unusable") && w.contains("orig 1.0")), log.warns.toString());
        // Offline, a corrupt entry is not used: it counts as missing and says why.
        Files.write(set.origins().get(0).file(), new byte[] {1, 2, 3});
        SourceException e = assertThrows(SourceException.class,
                () -> resolver().offline(true).build().resolve(sources.manifest()));
        assertTrue(e.getMessage().contains("orig 1.0") && e.getMessage().contains("unusable"), e.getMessage());
    }

    @Test
    void extractedTreeWithoutCompletionMarkerIsReplaced() throws Exception {
        SourceSet set = resolver().build().resolve(sources.manifest());
        Path entry = set.core().getParent().getParent();
        Files.delete(entry.resolve(".verified"));
        Files.delete(set.core().resolve("Makefile.uk")); // as if extraction had been cut short
        SourceSet again = resolver().build().resolve(sources.manifest());
        assertEquals(2, server.requests(CORE_PATH));
        assertTrue(Files.isRegularFile(again.core().resolve("Makefile.uk")));
        assertTrue(Files.isRegularFile(entry.resolve(".verified")));
    }

    @Test
    void pathTraversalArchiveIsRefusedAndNothingLands() throws Exception {
        List<E> evil = new ArrayList<>(Fixtures.tree("core-v1", "core"));
        evil.add(E.file("core-v1/../../../escaped.txt", "pwned"));
        byte[] bytes = Fixtures.tarGz(evil);
        server.put(CORE_PATH, bytes);
        SourceException e = assertThrows(SourceException.class, () -> resolver().build().resolve(sources.manifest()));
        assertTrue(e.getMessage().contains("Refusing to extract"), e.getMessage());
        assertTrue(e.getMessage().contains("escaped.txt"), e.getMessage());
        assertEquals(List.of(), cachedFiles(""));
        try (var s = Files.walk(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().equals("escaped.txt")));
        }

        List<E> link = new ArrayList<>(Fixtures.tree("core-v1", "core"));
        link.add(E.link("core-v1/etc", "../../../../etc"));
        server.put(CORE_PATH, Fixtures.tarGz(link));
        e = assertThrows(SourceException.class, () -> resolver().build().resolve(sources.manifest()));
        assertTrue(e.getMessage().contains("symbolic link pointing outside"), e.getMessage());
        assertEquals(List.of(), cachedFiles(""));
    }

    @Test
    void originWithTheWrongTopDirectoryIsRefused() throws Exception {
        sources.originTopDir = "orig-2.0";
        SourceException e = assertThrows(SourceException.class, () -> resolver().build().resolve(sources.manifest()));
        assertTrue(e.getMessage().contains("'orig-1.0'") && e.getMessage().contains("expects 'orig-2.0'"),
                e.getMessage());
        assertEquals(List.of(), cachedFiles("sources/orig"));
    }

    @Test
    void versionOverrideWithoutChecksumIsRefusedBeforeAnyDownload() throws Exception {
        SourceManifest m = sources.manifest().withOverrides(List.of(new SourceOverride("orig", "1.1", null, null, null)));
        assertEquals(URI.create("http://downloads.example/orig/orig-1.1.tar.gz"), m.get("orig").url());
        assertEquals("liba/orig-1.1.tar.gz", m.get("orig").placeAs());
        SourceException e = assertThrows(SourceException.class, () -> resolver().build().resolve(m));
        assertTrue(e.getMessage().contains("<source><id>orig</id><sha256>...</sha256></source>"), e.getMessage());
        assertEquals(0, server.totalRequests());
    }

    @Test
    void overriddenUrlAndChecksumAreUsed() throws Exception {
        byte[] repacked = Fixtures.tarGz(List.of(E.dir("orig-1.0/"), E.file("orig-1.0/README", "repacked\n")));
        server.put("/elsewhere.example/repack/orig.tar.gz", repacked);
        SourceManifest m = sources.manifest().withOverrides(List.of(new SourceOverride("orig", null,
                "https://elsewhere.example/repack/orig.tar.gz", Fixtures.sha256(repacked), null)));
        SourceSet set = resolver().build().resolve(m);
        assertArrayEquals(repacked, Files.readAllBytes(set.origins().get(0).file()));
        assertEquals("liba/orig-1.0.tar.gz", set.origins().get(0).placeAs(), "make's name does not follow the URL");
        assertEquals(1, server.requests("/elsewhere.example/repack/orig.tar.gz"));
    }

    @Test
    void concurrentBuildsInThreadsDownloadOnceAndBothGetVerifiedTrees() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        server.gate(gate);
        RecordingLog secondLog = new RecordingLog();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<SourceSet> a = pool.submit(() -> resolver().build().resolve(sources.manifest()));
            server.awaitRequest(CORE_PATH, 10_000);
            Future<SourceSet> b = pool.submit(() -> resolver().log(secondLog).build().resolve(sources.manifest()));
            secondLog.await("Waiting for another thread of this build to finish fetching core v1", 10_000);
            gate.countDown();
            SourceSet sa = a.get(30, TimeUnit.SECONDS);
            SourceSet sb = b.get(30, TimeUnit.SECONDS);
            assertEquals(sa.core(), sb.core());
            assertEquals(sa.libraryPath(), sb.libraryPath());
            assertTrue(Files.isRegularFile(sb.core().resolve("Makefile.uk")));
        } finally {
            gate.countDown();
            pool.shutdownNow();
        }
        assertEquals(1, server.requests(CORE_PATH));
        assertEquals(1, server.requests(LIB_PATH));
        assertEquals(1, server.requests(ORIGIN_PATH));
    }

    @Test
    void concurrentBuildsInTwoJvmsDownloadOnce() throws Exception {
        Path manifest = tmp.resolve("manifest.json");
        Files.writeString(manifest, sources.manifestJson());
        CountDownLatch gate = new CountDownLatch(1);
        server.gate(gate);
        Process a = probe(manifest);
        Process b = null;
        try {
            LinkedBlockingQueue<String> outA = lines(a);
            server.awaitRequest(CORE_PATH, 30_000);
            b = probe(manifest);
            LinkedBlockingQueue<String> outB = lines(b);
            List<String> seenB = new ArrayList<>();
            awaitLine(outB, seenB, "Waiting for another build to finish fetching core v1", 30_000);
            gate.countDown();
            assertTrue(a.waitFor(60, TimeUnit.SECONDS), "first JVM finishes");
            assertTrue(b.waitFor(60, TimeUnit.SECONDS), "second JVM finishes");
            List<String> seenA = new ArrayList<>();
            String coreA = awaitLine(outA, seenA, "CORE ", 5_000);
            String coreB = awaitLine(outB, seenB, "CORE ", 5_000);
            assertEquals(0, a.exitValue(), seenA.toString());
            assertEquals(0, b.exitValue(), seenB.toString());
            assertEquals(coreA, coreB);
            assertTrue(Files.isRegularFile(Path.of(coreA.substring(5)).resolve("Makefile.uk")));
        } finally {
            gate.countDown();
            a.destroyForcibly();
            if (b != null) {
                b.destroyForcibly();
            }
        }
        assertEquals(1, server.requests(CORE_PATH));
        assertEquals(1, server.requests(LIB_PATH));
        assertEquals(1, server.requests(ORIGIN_PATH));
    }

    @Test
    void placeOriginsPutsArchivesWhereMakeExpectsThem() throws Exception {
        SourceSet set = resolver().build().resolve(sources.manifest());
        Path build = tmp.resolve("app/build");
        List<Path> placed = set.placeOrigins(build);
        Path target = build.resolve("liba/orig-1.0.tar.gz");
        assertEquals(List.of(target), placed);
        assertArrayEquals(sources.origin, Files.readAllBytes(target));
        // Placing again leaves a correct archive alone (make would re-extract a newer one).
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(target, old);
        set.placeOrigins(build);
        assertEquals(old, Files.getLastModifiedTime(target));
        // A wrong file there is replaced.
        Files.delete(target);
        Files.write(target, new byte[] {42});
        set.placeOrigins(build);
        assertArrayEquals(sources.origin, Files.readAllBytes(target));
        assertArrayEquals(sources.origin, Files.readAllBytes(set.origins().get(0).file()), "cache untouched");
    }

    @Test
    void fileMirrorWorksForAirGappedUse() throws Exception {
        Path mirror = tmp.resolve("mirror");
        for (String[] f : new String[][] {{CORE_PATH, "core"}, {LIB_PATH, "lib"}, {ORIGIN_PATH, "origin"}}) {
            Path p = mirror.resolve(f[0].substring(1));
            Files.createDirectories(p.getParent());
            Files.write(p, f[1].equals("core") ? sources.core : f[1].equals("lib") ? sources.lib : sources.origin);
        }
        SourceSet set = SourceResolver.builder(cache).mirror(mirror.toUri()).build().resolve(sources.manifest());
        assertTrue(Files.isRegularFile(set.core().resolve("Makefile.uk")));
        assertEquals(0, server.totalRequests());
    }

    @Test
    void downloadsGoThroughTheSettingsProxy() throws Exception {
        // The mirror host does not exist: only the proxy (our loopback server) can answer.
        ProxyConfig proxies = new ProxyConfig(List.of(new ProxyRule("http", "127.0.0.1", server.port(),
                "localhost|*.internal", null, null)));
        SourceSet set = SourceResolver.builder(cache).mirror(URI.create("http://mirror.invalid/"))
                .proxy(proxies.selector(null)).idleTimeout(Duration.ofSeconds(10)).build()
                .resolve(sources.manifest());
        assertNotNull(set.core());
        assertEquals(1, server.requests("mirror.invalid" + CORE_PATH), "absolute-form request via the proxy");
    }

    @Test
    void progressOnATerminalAndOneLinePerFileOtherwise() throws Exception {
        byte[] big = new byte[3 << 20];
        new Random(1).nextBytes(big);
        // A big origin archive: a tar.gz with incompressible content.
        byte[] archive = bigTarGz(big);
        String sha = Fixtures.sha256(archive);
        server.put(ORIGIN_PATH, archive);
        String json = sources.manifestJson(sources.coreTree, sources.libTree, sha);

        RecordingLog plain = new RecordingLog();
        resolver().log(plain).terminal(false).build().resolve(TestSources.parse(json));
        assertEquals(0, plain.progress.size(), "no progress lines off a terminal");
        long downloaded = plain.infos.stream().filter(l -> l.startsWith("Downloaded ")).count();
        assertEquals(3, downloaded, "one line per file: " + plain.infos);
        assertTrue(plain.infos.stream().anyMatch(l -> l.matches("Downloaded orig 1\\.0 \\(3\\.0 MiB in [0-9.]+ s\\) from .*")),
                plain.infos.toString());

        io.github.unikernelfaas.host.Trees.delete(cache);
        RecordingLog term = new RecordingLog();
        resolver().log(term).terminal(true).build().resolve(TestSources.parse(json));
        assertTrue(term.progress.stream().anyMatch(l -> l != null && l.startsWith("Downloading orig 1.0: ")),
                term.progress.toString());
        assertEquals(null, term.progress.get(term.progress.size() - 1), "progress line cleared at the end");
        assertTrue(term.progress.stream().noneMatch(l -> l != null && l.contains("core v1")), "small files: no progress");
    }

    private static byte[] bigTarGz(byte[] content) throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (var gz = new org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream(bytes);
                var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(gz)) {
            var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("orig-1.0/blob");
            e.setSize(content.length);
            tar.putArchiveEntry(e);
            tar.write(content);
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }

    private List<String> cachedFiles(String below) throws Exception {
        return TestSources.cachedFiles(below.isEmpty() ? cache : cache.resolve(below));
    }

    private Process probe(Path manifest) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                ResolveProbe.class.getName(), cache.toString(), server.base().toString(), manifest.toString())
                .redirectErrorStream(true).start();
    }

    private static LinkedBlockingQueue<String> lines(Process p) {
        LinkedBlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    q.add(line);
                }
            } catch (java.io.IOException e) {
                // process gone
            }
        });
        t.setDaemon(true);
        t.start();
        return q;
    }

    private static String awaitLine(LinkedBlockingQueue<String> q, List<String> seen, String contains, long millis)
            throws InterruptedException {
        for (String s : seen) {
            if (s.contains(contains)) {
                return s;
            }
        }
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            String line = q.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                seen.add(line);
                if (line.contains(contains)) {
                    return line;
                }
            }
        }
        throw new AssertionError("no line containing '" + contains + "' within " + millis + " ms; saw " + seen);
    }

    /** Records what the resolver logs. */
    static final class RecordingLog implements FetchLog {
        final List<String> infos = Collections.synchronizedList(new ArrayList<>());
        final List<String> warns = Collections.synchronizedList(new ArrayList<>());
        final List<String> progress = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void info(String message) {
            infos.add(message);
        }

        @Override
        public void warn(String message) {
            warns.add(message);
        }

        @Override
        public void progress(String line) {
            progress.add(line);
        }

        void await(String prefix, long millis) throws InterruptedException {
            long deadline = System.currentTimeMillis() + millis;
            while (System.currentTimeMillis() < deadline) {
                synchronized (infos) {
                    if (infos.stream().anyMatch(l -> l.startsWith(prefix))) {
                        return;
                    }
                }
                Thread.sleep(20);
            }
            throw new AssertionError("no log line starting with '" + prefix + "' within " + millis + " ms: " + infos);
        }
    }
}
