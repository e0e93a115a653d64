package io.github.unikernelfaas.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.flavour.Flavours;
import io.github.unikernelfaas.flavour.TestFlavours;
import io.github.unikernelfaas.host.HostTool;
import io.github.unikernelfaas.source.SourcePatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kernel build against a fixture core whose Makefile records how make was called. */
class KernelBuilderTest {
    private static final String DEFAULTS = Flavours.kernelConfig(TestFlavours.DEFAULT);
    private static final java.util.Map<String, String> APP_FILES = Flavours.appFiles(TestFlavours.DEFAULT);
    @TempDir
    Path dir;

    private Path core;
    private KernelSources sources;
    private final Path make = HostTool.require(null, "make", System.getenv("PATH"), "make", "install make");
    private final Toolchain.Versions toolchain = new Toolchain.Versions("gcc (Debian 12.2.0-14) 12.2.0",
            "GNU Make 4.3");
    private final List<String> log = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        core = Files.createDirectories(dir.resolve("trees/unikraft"));
        for (String f : List.of("Makefile", "known-symbols")) {
            Files.copy(Path.of("src/test/resources/fake-unikraft", f), core.resolve(f));
        }
        List<KernelSources.Library> libs = new ArrayList<>();
        for (String lib : List.of("musl", "lwip", "zlib", "python3")) {
            libs.add(new KernelSources.Library(lib, Files.createDirectories(dir.resolve("trees/lib-" + lib))));
        }
        Path tgz = Files.writeString(dir.resolve("Python-3.7.4.tgz"), "archive bytes");
        sources = new KernelSources(core, libs, List.of(new KernelSources.Origin("libpython3", "Python-3.7.4.tgz", tgz)),
                "sha256:core+libs", "0.13.1~85b83a74");
    }

    /** The shipped flavour's kconfig with these extra lines. */
    private static KernelConfig config(String... extraLines) {
        return KernelConfig.withExtras(DEFAULTS, List.of(extraLines));
    }

    private KernelBuilder.Request request(KernelConfig config, boolean rebuild) {
        return new KernelBuilder.Request(sources, config, APP_FILES, toolchain, make, dir.resolve("cache/kernels"), 2,
                rebuild);
    }

    private static final String FIXTURE_PATCH = "unikraft/0001-fixture.patch";

    private static SourcePatch fixturePatch() throws Exception {
        return new SourcePatch(FIXTURE_PATCH, "test fixture",
                Files.readAllBytes(Path.of("src/test/resources/patches/fake-unikraft.patch")));
    }

    /** The request with these patches for the core tree. */
    private KernelBuilder.Request patched(SourcePatch... patches) {
        KernelSources s = new KernelSources(sources.core(), sources.libs(), sources.origins(), sources.fingerprint(),
                sources.unikraftVersion(), List.of(new KernelSources.TreePatches("unikraft", core, List.of(patches))));
        return new KernelBuilder.Request(s, config(), APP_FILES, toolchain, make,
                dir.resolve("cache/kernels"), 2, false);
    }

    /** Every file below the tree with its bytes, to show it did not change. */
    private static java.util.Map<String, String> snapshot(Path tree) throws Exception {
        java.util.Map<String, String> files = new java.util.TreeMap<>();
        try (var walk = Files.walk(tree)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(tree.relativize(p).toString(), Files.readString(p));
            }
        }
        return files;
    }

    @Test
    void patchesApplyToAPrivateCopyThatMakeBuildsAndTheCacheRecordsThem() throws Exception {
        var before = snapshot(core);
        KernelBuilder.Request req = patched(fixturePatch());
        Path work = dir.resolve("cache/kernels/" + KernelBuilder.cacheKey(req) + ".work");
        KernelBuilder.Result r = KernelBuilder.buildOrReuse(req, log::add);

        assertTrue(Files.readString(r.kernel()).startsWith("patched kernel built from "), "make ran the patched"
                + " Makefile: " + Files.readString(r.kernel()));
        String buildLog = Files.readString(r.buildLog());
        assertTrue(buildLog.contains("Applied patch " + FIXTURE_PATCH + " to unikraft (2 files: Makefile, PATCHED)"),
                buildLog);
        assertTrue(buildLog.contains(" -C " + work.resolve("src/unikraft/unikraft") + " "), buildLog);
        assertTrue(log.stream().anyMatch(l -> l.startsWith("Applied patch " + FIXTURE_PATCH)), log.toString());
        assertEquals(List.of(FIXTURE_PATCH), r.patches());
        assertEquals(FIXTURE_PATCH + "\n", Files.readString(r.kernel().resolveSibling(KernelBuilder.PATCHES)));
        assertEquals(before, snapshot(core), "the verified tree is left as it was");

        KernelBuilder.Result again = KernelBuilder.buildOrReuse(req, log::add);
        assertTrue(again.fromCache());
        assertEquals(List.of(FIXTURE_PATCH), again.patches(), "a cached kernel still names its patches");
        assertEquals("symbols\n", Files.readString(again.debugSymbols().orElseThrow()),
                "the unstripped kernel is kept beside the cached one");
    }

    @Test
    void twoThreadsOfOneBuildTakeTheEntryInTurnAndTheSecondReusesTheKernel() throws Exception {
        // mvn -T 2: two modules of one JVM build the same kernel. The first holds the entry until the second waits.
        CountDownLatch firstBuilds = new CountDownLatch(1);
        CountDownLatch secondWaits = new CountDownLatch(1);
        List<String> shared = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.function.Consumer<String> first = line -> {
            shared.add(line);
            if (line.startsWith("Building the Unikraft kernel")) {
                firstBuilds.countDown();
                await(secondWaits);
            }
        };
        java.util.function.Consumer<String> second = line -> {
            shared.add(line);
            if (line.startsWith("Waiting for another thread of this build to finish building the kernel")) {
                secondWaits.countDown();
            }
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<KernelBuilder.Result> a = pool.submit(() -> KernelBuilder.buildOrReuse(request(config(), false),
                    first));
            await(firstBuilds);
            Future<KernelBuilder.Result> b = pool.submit(() -> KernelBuilder.buildOrReuse(request(config(), false),
                    second));
            KernelBuilder.Result ra = a.get(60, TimeUnit.SECONDS);
            KernelBuilder.Result rb = b.get(60, TimeUnit.SECONDS);
            assertFalse(ra.fromCache());
            assertTrue(rb.fromCache(), "the second took the first's kernel: " + shared);
            assertEquals(ra.kernel(), rb.kernel());
            assertEquals(1, shared.stream().filter(l -> l.startsWith("Building the Unikraft kernel")).count(),
                    shared.toString());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Bounded: a second thread that never waits fails the test instead of hanging it. */
    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("the other thread never reached the entry");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void withoutPatchesMakeUsesTheCachedTreeAndTheListIsEmpty() throws Exception {
        KernelBuilder.Result r = KernelBuilder.buildOrReuse(request(config(), false),
                log::add);
        assertEquals(List.of(), r.patches());
        assertEquals("", Files.readString(r.kernel().resolveSibling(KernelBuilder.PATCHES)));
        assertFalse(Files.readString(r.buildLog()).contains("Applied patch"));
    }

    @Test
    void aPatchedLibraryIsHandedToMakeAsItsCopy() throws Exception {
        Path musl = sources.libs().get(0).dir();
        Files.writeString(musl.resolve("Makefile.uk"), "one\ntwo\nthree\n");
        SourcePatch p = new SourcePatch("lib-musl/0001-x.patch", "test", ("--- a/Makefile.uk\n+++ b/Makefile.uk\n"
                + "@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        KernelSources s = new KernelSources(core, sources.libs(), sources.origins(), sources.fingerprint(),
                sources.unikraftVersion(), List.of(new KernelSources.TreePatches("lib-musl", musl, List.of(p))));
        KernelBuilder.Request req = new KernelBuilder.Request(s, config(), APP_FILES, toolchain, make,
                dir.resolve("cache/kernels"), 2, false);
        Path copy = dir.resolve("cache/kernels/" + KernelBuilder.cacheKey(req) + ".work/src/lib-musl/lib-musl");
        KernelBuilder.Result r = KernelBuilder.buildOrReuse(req, log::add);
        String l = Files.readString(r.kernel());
        assertTrue(l.startsWith("kernel built from " + copy.toAbsolutePath() + ":"), "L= names the patched copy: " + l);
        assertEquals("one\ntwo\nthree\n", Files.readString(musl.resolve("Makefile.uk")));
    }

    @Test
    void aPatchThatDoesNotApplyNamesThePatchTheSourceAndTheFile() throws Exception {
        var before = snapshot(core);
        String stale = new String(fixturePatch().content(), java.nio.charset.StandardCharsets.UTF_8)
                .replace(" \t@echo \"  CC      lib/two.o\"", " \t@echo \"  CC      lib/three.o\"");
        SourcePatch p = new SourcePatch(FIXTURE_PATCH, "/somewhere/0001-fixture.patch",
                stale.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> KernelBuilder.buildOrReuse(patched(p), log::add));
        assertTrue(e.getMessage().startsWith("Patch " + FIXTURE_PATCH + " (/somewhere/0001-fixture.patch) does not"
                + " apply to unikraft (file Makefile): "), e.getMessage());
        assertTrue(e.getMessage().contains("at line 18"), e.getMessage());
        assertEquals(before, snapshot(core), "the verified tree is left as it was");
        try (var entries = Files.list(dir.resolve("cache/kernels"))) {
            assertTrue(entries.noneMatch(x -> Files.isRegularFile(x.resolve("kernel"))), "nothing is cached");
        }
        assertFalse(Files.exists(core.resolve("calls.log")), "make never ran");
    }

    @Test
    void runsDefconfigThenMakeWithTheExactArguments() throws Exception {
        KernelBuilder.Request req = request(config(), false);
        String key = KernelBuilder.cacheKey(req);
        KernelBuilder.Result r = KernelBuilder.buildOrReuse(req, log::add);
        assertFalse(r.fromCache());
        assertEquals("kernel built from " + String.join(":", sources.libs().stream()
                .map(l -> l.dir().toAbsolutePath().toString()).toList()) + "\n", Files.readString(r.kernel()));
        String buildLog = Files.readString(r.buildLog());
        Path work = dir.resolve("cache/kernels/" + key + ".work");
        String libs = "L=" + String.join(":", sources.libs().stream().map(l -> l.dir().toAbsolutePath().toString())
                .toList());
        assertTrue(buildLog.contains("$ " + make + " -C " + core.toAbsolutePath() + " A=" + work.resolve("app") + " "
                + libs + " O=" + work.resolve("build") + " UK_FULLVERSION=0.13.1~85b83a74 UK_DEFCONFIG="
                + work.resolve("defconfig") + " defconfig"), buildLog);
        assertTrue(buildLog.contains("UK_FULLVERSION=0.13.1~85b83a74 CFLAGS_EXTRA=-ffile-prefix-map="), buildLog);
        assertTrue(buildLog.contains(" -j2\n"), buildLog);
        assertTrue(buildLog.contains("  CC      lib/two.o"), "make's output goes to the log");
        assertTrue(Files.readString(r.config()).contains("CONFIG_STACK_SIZE_PAGE_ORDER=10"));
        assertFalse(Files.exists(work), "the work directory is cleaned up");
        List<String> calls = Files.readAllLines(core.resolve("calls.log"));
        assertEquals(2, calls.size());
        assertTrue(calls.get(0).contains(" SDE=" + MakeDriver.SOURCE_DATE_EPOCH + " "), calls.get(0));
        assertTrue(calls.get(0).contains(" GCD=" + core.toAbsolutePath().getParent() + ":"), "git stops above the"
                + " source trees, so an enclosing repository never leaks into the version: " + calls.get(0));
        assertTrue(calls.get(1).startsWith("build "), calls.get(1));
    }

    @Test
    void theKernelNamesNoHostPathTheCompilerSawEachTreeUnderAFixedRoot() throws Exception {
        KernelBuilder.Request req = request(config(), false);
        Path work = dir.resolve("cache/kernels/" + KernelBuilder.cacheKey(req) + ".work").toAbsolutePath();
        String buildLog = Files.readString(KernelBuilder.buildOrReuse(req, log::add).buildLog());
        String command = buildLog.lines().filter(l -> l.startsWith("$ ") && !l.endsWith(" defconfig")).findFirst()
                .orElseThrow();
        for (String var : List.of("CFLAGS_EXTRA=", "CXXFLAGS_EXTRA=", "ASFLAGS_EXTRA=")) {
            assertTrue(command.contains(var + "-ffile-prefix-map=" + core.toAbsolutePath() + "=/ukfaas/unikraft"),
                    var + " in " + command);
        }
        assertTrue(command.contains("-ffile-prefix-map=" + work.resolve("build") + "=/ukfaas/build"), command);
        assertTrue(command.contains("-ffile-prefix-map=" + work.resolve("app") + "=/ukfaas/app"), command);
        for (KernelSources.Library l : sources.libs()) {
            Path d = l.dir().toAbsolutePath();
            assertTrue(command.contains("-ffile-prefix-map=" + d + "=/ukfaas/libs/" + d.getParent().getFileName()
                    + "/" + d.getFileName()), command);
        }
        // What the fixture's real compile left in its object: __FILE__ and the debug info's names.
        List<String> names = buildLog.lines().filter(l -> l.startsWith("where.o names: ")).toList();
        assertTrue(names.contains("where.o names: /ukfaas/build/origin/where.c"), "__FILE__ mapped: " + names);
        assertTrue(names.contains("where.o names: /ukfaas/unikraft"), "the compile directory mapped: " + names);
        String home = System.getProperty("user.home");
        for (String n : names) {
            assertFalse(n.contains(dir.toString()) || n.contains(home), "a host path in the object: " + n);
        }
    }

    @Test
    void aSecondProjectReusesTheKernelWithoutMake() throws Exception {
        KernelBuilder.Result first = KernelBuilder.buildOrReuse(request(config(), false),
                log::add);
        Files.delete(core.resolve("Makefile")); // make would fail now
        KernelBuilder.Result second = KernelBuilder.buildOrReuse(request(config(), false),
                log::add);
        assertTrue(second.fromCache());
        assertEquals(first.kernel(), second.kernel());
        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> KernelBuilder.buildOrReuse(request(config(), true), log::add));
        assertTrue(e.getMessage().contains("make defconfig failed"), "rebuild really runs make: " + e.getMessage());
        assertTrue(Files.isRegularFile(first.kernel()), "a failed rebuild keeps the cached kernel");
    }

    @Test
    void droppedSymbolsAreNamed() {
        KernelConfig config = config("CONFIG_LIBNOTHERE=y", "CONFIG_ALSO_MISSING=\"x\"");
        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> KernelBuilder.buildOrReuse(request(config, false), log::add));
        assertTrue(e.getMessage().contains("dropped 2 kconfig symbols"), e.getMessage());
        assertTrue(e.getMessage().contains("CONFIG_LIBNOTHERE=y (missing)"), e.getMessage());
        assertTrue(e.getMessage().contains("CONFIG_ALSO_MISSING=\"x\" (missing)"), e.getMessage());
    }

    @Test
    void aCompileErrorShowsTheLogTail() throws Exception {
        Files.copy(Path.of("src/test/resources/fake-unikraft/Makefile"), core.resolve("Makefile"),
                StandardCopyOption.REPLACE_EXISTING);
        String makefile = Files.readString(core.resolve("Makefile")).replace("$(A)/fail", "$(CURDIR)/Makefile");
        Files.writeString(core.resolve("Makefile"), makefile);
        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> KernelBuilder.buildOrReuse(request(config(), false), log::add));
        assertTrue(e.getMessage().contains("make failed (make exit 2)"), e.getMessage());
        assertTrue(e.getMessage().contains("| lib/two.c:3: error: boom"), e.getMessage());
        assertTrue(e.getMessage().contains("build.log"), e.getMessage());
        try (var entries = Files.list(dir.resolve("cache/kernels"))) {
            assertTrue(entries.noneMatch(p -> Files.isRegularFile(p.resolve("kernel"))), "nothing half-built is cached");
        }
    }

    @Test
    void originArchivesArePrePlacedSoMakeNeverDownloads() throws Exception {
        String makefile = Files.readString(core.resolve("Makefile")).replace("$(REQUIRED_ORIGINS)",
                "libpython3/Python-3.7.4.tgz");
        Files.writeString(core.resolve("Makefile"), makefile);
        KernelBuilder.Result r = KernelBuilder.buildOrReuse(request(config(), false),
                log::add);
        assertFalse(Files.readString(r.buildLog()).contains("wget"));
    }

    @Test
    void theCacheKeyChangesWithEveryInput() {
        KernelConfig base = config();
        String key = KernelBuilder.cacheKey(request(base, false));
        assertEquals(key, KernelBuilder.cacheKey(request(config(), false)));
        assertNotEquals(key, KernelBuilder.cacheKey(request(config("CONFIG_X=y"), false)));
        KernelBuilder.Request r = request(base, false);
        assertNotEquals(key, KernelBuilder.cacheKey(new KernelBuilder.Request(new KernelSources(core, sources.libs(),
                sources.origins(), "sha256:other", sources.unikraftVersion()), base, APP_FILES, toolchain, make,
                r.cacheRoot(), 2, false)));
        assertNotEquals(key, KernelBuilder.cacheKey(new KernelBuilder.Request(sources, base, APP_FILES,
                new Toolchain.Versions("gcc 14.2", "GNU Make 4.3"), make, r.cacheRoot(), 2, false)));
        assertNotEquals(key, KernelBuilder.cacheKey(new KernelBuilder.Request(sources, base,
                Flavours.appFiles(TestFlavours.TEST), toolchain, make, r.cacheRoot(), 2, false)),
                "another flavour's app files make another kernel");
        assertEquals(key, KernelBuilder.cacheKey(new KernelBuilder.Request(sources, base, APP_FILES, toolchain, make,
                dir.resolve("elsewhere"), 8, true)), "jobs, rebuild and cache location do not change the kernel");
    }

    @Test
    void theCacheKeyCoversEachPatchsNameAndContent() throws Exception {
        String none = KernelBuilder.cacheKey(request(config(), false));
        SourcePatch p = fixturePatch();
        String one = KernelBuilder.cacheKey(patched(p));
        assertNotEquals(none, one);
        assertEquals(one, KernelBuilder.cacheKey(patched(new SourcePatch(p.name(), "elsewhere", p.content()))),
                "where a patch was read from does not matter");
        byte[] changed = p.content();
        changed[changed.length - 2] = 'X';
        assertNotEquals(one, KernelBuilder.cacheKey(patched(new SourcePatch(p.name(), "test", changed))));
        assertNotEquals(one, KernelBuilder.cacheKey(patched(new SourcePatch("unikraft/0002-other.patch", "test",
                p.content()))));
    }
}
