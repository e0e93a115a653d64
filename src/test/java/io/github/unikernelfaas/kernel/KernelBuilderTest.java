package io.github.unikernelfaas.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.host.HostTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kernel build against a fixture core whose Makefile records how make was called. */
class KernelBuilderTest {
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

    private KernelBuilder.Request request(KernelConfig config, boolean rebuild) {
        return new KernelBuilder.Request(sources, config, toolchain, make, dir.resolve("cache/kernels"), 2, rebuild);
    }

    @Test
    void runsDefconfigThenMakeWithTheExactArguments() throws Exception {
        KernelBuilder.Request req = request(KernelConfig.withExtras(List.of()), false);
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
        assertTrue(buildLog.contains("UK_FULLVERSION=0.13.1~85b83a74 -j2\n"), buildLog);
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
    void aSecondProjectReusesTheKernelWithoutMake() throws Exception {
        KernelBuilder.Result first = KernelBuilder.buildOrReuse(request(KernelConfig.withExtras(List.of()), false),
                log::add);
        Files.delete(core.resolve("Makefile")); // make would fail now
        KernelBuilder.Result second = KernelBuilder.buildOrReuse(request(KernelConfig.withExtras(List.of()), false),
                log::add);
        assertTrue(second.fromCache());
        assertEquals(first.kernel(), second.kernel());
        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> KernelBuilder.buildOrReuse(request(KernelConfig.withExtras(List.of()), true), log::add));
        assertTrue(e.getMessage().contains("make defconfig failed"), "rebuild really runs make: " + e.getMessage());
        assertTrue(Files.isRegularFile(first.kernel()), "a failed rebuild keeps the cached kernel");
    }

    @Test
    void droppedSymbolsAreNamed() {
        KernelConfig config = KernelConfig.withExtras(List.of("CONFIG_LIBNOTHERE=y", "CONFIG_ALSO_MISSING=\"x\""));
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
                () -> KernelBuilder.buildOrReuse(request(KernelConfig.withExtras(List.of()), false), log::add));
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
        KernelBuilder.Result r = KernelBuilder.buildOrReuse(request(KernelConfig.withExtras(List.of()), false),
                log::add);
        assertFalse(Files.readString(r.buildLog()).contains("wget"));
    }

    @Test
    void theCacheKeyChangesWithEveryInput() {
        KernelConfig base = KernelConfig.withExtras(List.of());
        String key = KernelBuilder.cacheKey(request(base, false));
        assertEquals(key, KernelBuilder.cacheKey(request(KernelConfig.withExtras(List.of()), false)));
        assertNotEquals(key, KernelBuilder.cacheKey(request(KernelConfig.withExtras(List.of("CONFIG_X=y")), false)));
        KernelBuilder.Request r = request(base, false);
        assertNotEquals(key, KernelBuilder.cacheKey(new KernelBuilder.Request(new KernelSources(core, sources.libs(),
                sources.origins(), "sha256:other", sources.unikraftVersion()), base, toolchain, make, r.cacheRoot(), 2,
                false)));
        assertNotEquals(key, KernelBuilder.cacheKey(new KernelBuilder.Request(sources, base,
                new Toolchain.Versions("gcc 14.2", "GNU Make 4.3"), make, r.cacheRoot(), 2, false)));
        assertEquals(key, KernelBuilder.cacheKey(new KernelBuilder.Request(sources, base, toolchain, make,
                dir.resolve("elsewhere"), 8, true)), "jobs, rebuild and cache location do not change the kernel");
    }
}
