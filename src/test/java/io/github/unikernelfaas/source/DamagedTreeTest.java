package io.github.unikernelfaas.source;

import static io.github.unikernelfaas.source.TestSources.CORE_PATH;
import static io.github.unikernelfaas.source.TestSources.LIB_PATH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A verified tree in the cache that is damaged later (truncated, deleted files) is noticed on its next use. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DamagedTreeTest {
    @TempDir
    Path tmp;

    private Path cache;
    private FixtureServer server;
    private TestSources sources;
    private SourceResolverTest.RecordingLog log;

    @BeforeEach
    void start() throws Exception {
        cache = tmp.resolve("cache");
        sources = new TestSources();
        server = sources.serveOn(new FixtureServer());
        log = new SourceResolverTest.RecordingLog();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private SourceResolver.Builder resolver() {
        return SourceResolverTest.resolver(cache, server, log);
    }

    /** Cuts the core's Makefile.uk in half and deletes the lib's main.c, as a full disk or a stray rm would. */
    private SourceSet damage(SourceSet set) throws Exception {
        Path makefile = set.core().resolve("Makefile.uk");
        byte[] full = Files.readAllBytes(makefile);
        Files.write(makefile, java.util.Arrays.copyOf(full, full.length / 2));
        Files.delete(set.lib("liba").resolve("src/main.c"));
        return set;
    }

    private static void assertWhole(SourceSet set) throws Exception {
        assertEquals("$(eval $(call addlib,core))\n", Files.readString(set.core().resolve("Makefile.uk")));
        assertTrue(Files.readString(set.lib("liba").resolve("src/main.c")).contains("liba"));
    }

    @Test
    void aDamagedTreeIsExtractedAgainFromItsVerifiedArchiveWithoutADownload() throws Exception {
        damage(resolver().build().resolve(sources.manifest()));
        SourceSet set = resolver().build().resolve(sources.manifest());
        assertWhole(set);
        assertEquals(List.of(1, 1), List.of(server.requests(CORE_PATH), server.requests(LIB_PATH)), "no download");
        assertTrue(log.warns.stream().anyMatch(w -> w.contains("core v1") && w.contains("was damaged")
                && w.contains("Makefile.uk is 'f 0644 14', was 'f 0644 28'")), log.warns.toString());
        assertTrue(log.warns.stream().anyMatch(w -> w.contains("lib-a v2") && w.contains("src/main.c is missing")),
                log.warns.toString());

        // Offline too: the archive is in the cache.
        damage(set);
        assertWhole(resolver().offline(true).build().resolve(sources.manifest()));
        assertEquals(1, server.requests(CORE_PATH));
    }

    @Test
    void anAddedFileCountsAsDamage() throws Exception {
        SourceSet set = resolver().build().resolve(sources.manifest());
        Files.writeString(set.core().resolve("build.o"), "make wrote into the shared cache");
        SourceSet again = resolver().build().resolve(sources.manifest());
        assertFalse(Files.exists(again.core().resolve("build.o")));
        assertTrue(log.warns.stream().anyMatch(w -> w.contains("core-v1/build.o was added")), log.warns.toString());
    }

    @Test
    void withoutItsArchiveADamagedTreeIsFetchedAgainOrOfflineNamesTheEntryToDelete() throws Exception {
        SourceSet set = damage(resolver().build().resolve(sources.manifest()));
        Path coreEntry = set.core().getParent().getParent();
        io.github.unikernelfaas.host.Trees.delete(coreEntry.resolve("archive"));

        SourceException e = assertThrows(SourceException.class,
                () -> resolver().offline(true).build().resolve(sources.manifest()));
        String m = e.getMessage();
        assertTrue(m.contains("core v1") && m.contains("Makefile.uk is 'f 0644 14'"), m);
        assertTrue(m.contains("rm -rf " + coreEntry), m);
        assertFalse(m.contains("lib-a v2"), "the lib's archive was kept, so it was repaired: " + m);

        assertWhole(resolver().build().resolve(sources.manifest()));
        assertEquals(2, server.requests(CORE_PATH), "online, the core is fetched again");
        assertTrue(log.warns.stream().anyMatch(w -> w.contains("core v1") && w.contains("replacing it")),
                log.warns.toString());
    }

    @Test
    void aTreeCachedByAnOlderVersionIsCheckedOnceByItsDigestAndThenByItsManifest() throws Exception {
        SourceSet set = resolver().build().resolve(sources.manifest());
        Path coreEntry = set.core().getParent().getParent();
        asWrittenByAnOlderVersion(coreEntry);

        resolver().offline(true).build().resolve(sources.manifest());
        assertTrue(log.infos.stream().anyMatch(l -> l.contains("core v1") && l.contains("full tree digest")),
                log.infos.toString());
        assertTrue(Files.readString(coreEntry.resolve(".verified")).contains("\nmanifest:\n"));
        log.infos.clear();
        resolver().offline(true).build().resolve(sources.manifest());
        assertFalse(log.infos.stream().anyMatch(l -> l.contains("full tree digest")), "only once");

        // An old entry whose tree was damaged before the upgrade fails its digest: no manifest is made for it.
        asWrittenByAnOlderVersion(coreEntry);
        damage(set);
        SourceException e = assertThrows(SourceException.class,
                () -> resolver().offline(true).build().resolve(sources.manifest()));
        assertTrue(e.getMessage().contains("do not match the pinned treeSha256"), e.getMessage());
        assertTrue(e.getMessage().contains("rm -rf " + coreEntry), e.getMessage());
    }

    /** The marker without its manifest and file lines, and no kept archive. */
    private static void asWrittenByAnOlderVersion(Path entry) throws Exception {
        Path marker = entry.resolve(".verified");
        List<String> old = new ArrayList<>();
        for (String line : Files.readAllLines(marker, StandardCharsets.UTF_8)) {
            if (line.equals("manifest:")) {
                break;
            }
            if (!line.startsWith("file=") && !line.startsWith("fileSha256=")) {
                old.add(line);
            }
        }
        Files.write(marker, old, StandardCharsets.UTF_8);
        io.github.unikernelfaas.host.Trees.delete(entry.resolve("archive"));
    }
}
