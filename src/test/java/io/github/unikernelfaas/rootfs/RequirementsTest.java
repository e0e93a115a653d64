package io.github.unikernelfaas.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.flavour.TestFlavours;
import io.github.unikernelfaas.host.HostTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real pip (the host's python3) against a real index on 127.0.0.1. */
class RequirementsTest {
    private static final String PIP_VERSION = TestFlavours.DEFAULT.pipPythonVersion();
    @TempDir
    Path dir;

    private WheelIndex index;
    private Path python;
    private Path cache;
    private Path site;
    private Path reqs;
    private final java.util.List<String> log = new java.util.ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        python = HostTool.require(null, "python3", System.getenv("PATH"), "unikernel.python", "install python3");
        index = new WheelIndex(dir.resolve("wheels"));
        index.wheel("greet", "1.0", "py3-none-any",
                Map.of("greet/__init__.py", "from colors import red\ndef hello(n):\n    return red('hi ' + n)\n"),
                List.of("colors>=2"));
        index.wheel("colors", "2.1", "py3-none-any", Map.of("colors/__init__.py", "def red(s):\n    return s\n"),
                List.of());
        index.wheel("fastthing", "1.0", "cp37-cp37m-manylinux1_x86_64",
                Map.of("fastthing/__init__.py", "", "fastthing/_speed.so", "\u007fELF"), List.of());
        index.wheel("sneaky", "1.0", "py3-none-any", Map.of("sneaky/_native.so", "\u007fELF"), List.of());
        cache = dir.resolve("cache");
        site = dir.resolve("fs0/lib/python3.7/site-packages");
        reqs = dir.resolve("requirements.txt");
    }

    @AfterEach
    void tearDown() {
        index.close();
    }

    private Requirements.Settings settings(boolean offline) {
        // A clean environment: the developer's pip configuration must not leak into the tests.
        Map<String, String> env = Map.of("PATH", System.getenv("PATH"), "HOME", dir.toString(),
                "PIP_CONFIG_FILE", "/dev/null", "PIP_NO_CACHE_DIR", "1");
        return new Requirements.Settings(python, PIP_VERSION, index.url(), List.of(), offline, env);
    }

    @Test
    void installsPureWheelsWithTheirDependencies() throws Exception {
        Files.writeString(reqs, "# deps\ngreet==1.0  # the greeter\n\n");
        Requirements.Outcome o = Requirements.install(reqs, site, cache, settings(false), log::add);
        assertEquals(1, o.requirements());
        assertFalse(o.fromCache());
        assertEquals(List.of("colors 2.1", "greet 1.0"), o.packages());
        assertTrue(Files.isRegularFile(site.resolve("greet/__init__.py")));
        assertTrue(Files.isRegularFile(site.resolve("colors/__init__.py")));
        assertFalse(Files.exists(site.resolve(Requirements.COMPLETE)), "cache markers stay in the cache");
    }

    @Test
    void twoThreadsOfOneBuildTakeTheEntryInTurnAndTheSecondReusesTheInstall() throws Exception {
        // mvn -T 2: two modules with one requirements.txt. The first holds the entry until the second waits.
        Files.writeString(reqs, "greet==1.0\n");
        CountDownLatch firstInstalls = new CountDownLatch(1);
        CountDownLatch secondWaits = new CountDownLatch(1);
        List<String> shared = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.function.Consumer<String> first = line -> {
            shared.add(line);
            if (line.startsWith("Installing requirements.txt")) {
                firstInstalls.countDown();
                await(secondWaits);
            }
        };
        java.util.function.Consumer<String> second = line -> {
            shared.add(line);
            if (line.startsWith("Waiting for another thread of this build to finish installing the requirements")) {
                secondWaits.countDown();
            }
        };
        Path siteB = dir.resolve("fs0-b/lib/python3.7/site-packages");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Requirements.Outcome> a = pool.submit(() -> Requirements.install(reqs, site, cache, settings(false),
                    first));
            await(firstInstalls);
            Future<Requirements.Outcome> b = pool.submit(() -> Requirements.install(reqs, siteB, cache,
                    settings(false), second));
            assertEquals(List.of("colors 2.1", "greet 1.0"), a.get(120, TimeUnit.SECONDS).packages());
            assertEquals(List.of("colors 2.1", "greet 1.0"), b.get(120, TimeUnit.SECONDS).packages());
            assertTrue(Files.isRegularFile(siteB.resolve("greet/__init__.py")));
            assertEquals(1, shared.stream().filter(l -> l.startsWith("Installing ")).count(), shared.toString());
            assertEquals(2, index.fileRequests.get(), "pip ran once");
        } finally {
            pool.shutdownNow();
        }
    }

    /** Bounded: a thread that never reaches the entry fails the test instead of hanging it. */
    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new AssertionError("the other thread never reached the entry");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void workDirectoriesLeftByAKilledBuildAreSwept() throws Exception {
        Files.writeString(reqs, "colors==2.1\n");
        String key = Requirements.cacheKey(reqs, settings(false));
        Path ours = Files.createDirectories(cache.resolve(key + ".tmp-123/colors"));
        Path oldOther = Files.createDirectories(cache.resolve("0123abcd.tmp-456/x"));
        Files.setLastModifiedTime(oldOther.getParent(),
                java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(java.time.Duration.ofHours(2))));
        Path busyOther = Files.createDirectories(cache.resolve("4567cdef.tmp-789"));

        Requirements.install(reqs, site, cache, settings(false), log::add);

        assertFalse(Files.exists(ours.getParent()), "this key's leftover goes once its lock is ours");
        assertFalse(Files.exists(oldOther.getParent()), "another key's leftover goes after an hour");
        assertTrue(Files.isDirectory(busyOther), "another key's recent work may be a running install");
        assertTrue(log.stream().anyMatch(l -> l.startsWith("Removed 2 stale pip work directories")), log.toString());
    }

    @Test
    void pipWritesNothingIntoTheSystemTemporaryDirectory() throws Exception {
        // The TMPDIR pip would otherwise use (the system's): it must stay empty, the work all under the cache.
        Path systemTmp = Files.createDirectories(dir.resolve("system-tmp"));
        Map<String, String> env = new java.util.HashMap<>(settings(false).environment());
        env.put("TMPDIR", systemTmp.toString());
        Requirements.Settings s = new Requirements.Settings(python, PIP_VERSION, index.url(), List.of(), false, env);
        Files.writeString(reqs, "greet==1.0\n");
        Requirements.install(reqs, site, cache, s, log::add);
        assertTrue(Files.isRegularFile(site.resolve("greet/__init__.py")));
        try (var left = Files.list(systemTmp)) {
            assertEquals(List.of(), left.toList());
        }
        try (var left = Files.list(cache)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().contains(".tmp-")).toList(),
                    "the work directory goes when the install ends");
        }
    }

    @Test
    void whatAKilledPipLeavesIsInsideTheWorkDirectoryTheSweepRemoves() throws Exception {
        // A pip that stops mid-way, as under kill -9: it says where its temporary files and its output went.
        Path fake = dir.resolve("python-that-dies");
        Files.writeString(fake, "#!/bin/sh\ncase \"$*\" in *--version*) echo 'pip 99'; exit 0;; esac\n"
                + "mkdir -p \"$TMPDIR/pip-unpack-x\" && echo \"TMPDIR=$TMPDIR\"\n"
                + "echo \"OUTPUT=$(readlink /proc/$$/fd/1)\"\nexit 9\n");
        fake.toFile().setExecutable(true);
        Files.writeString(reqs, "greet==1.0\n");
        Requirements.Settings s = new Requirements.Settings(fake, PIP_VERSION, null, List.of(), false,
                Map.of("PATH", "/usr/bin:/bin", "TMPDIR", dir.resolve("system-tmp").toString()));
        RequirementsException e = assertThrows(RequirementsException.class,
                () -> Requirements.install(reqs, site, cache, s, log::add));
        String key = Requirements.cacheKey(reqs, s);
        java.util.regex.Matcher tmp = java.util.regex.Pattern.compile("TMPDIR=(\\S+)").matcher(e.getMessage());
        java.util.regex.Matcher out = java.util.regex.Pattern.compile("OUTPUT=(\\S+)").matcher(e.getMessage());
        assertTrue(tmp.find() && out.find(), e.getMessage());
        for (String p : List.of(tmp.group(1), out.group(1))) {
            assertTrue(p.startsWith(cache.toAbsolutePath() + "/" + key + ".tmp-")
                    || p.startsWith(cache.toRealPath() + "/" + key + ".tmp-"),
                    p + " lies in this key's work directory, which sweepStaleWork removes");
        }
        assertFalse(Files.exists(Path.of(tmp.group(1))), "and which the failed install removed at once");
        assertFalse(Files.exists(dir.resolve("system-tmp")));
    }

    @Test
    void anUnchangedFileIsNotReinstalled() throws Exception {
        Files.writeString(reqs, "greet==1.0\n");
        Requirements.install(reqs, site, cache, settings(false), log::add);
        int downloads = index.fileRequests.get();
        assertEquals(2, downloads);
        Requirements.Outcome again = Requirements.install(reqs, site, cache, settings(false), log::add);
        assertTrue(again.fromCache());
        assertEquals(downloads, index.fileRequests.get(), "no second download");
        assertTrue(Files.isRegularFile(site.resolve("greet/__init__.py")));

        Files.writeString(reqs, "colors==2.1\n");
        Requirements.Outcome changed = Requirements.install(reqs, site, cache, settings(false), log::add);
        assertFalse(changed.fromCache(), "a changed file is installed again");
        assertFalse(Files.exists(site.resolve("greet")), "site-packages holds only what is required now");
    }

    @Test
    void aNativeOnlyRequirementFailsNamingThePackage() throws Exception {
        Files.writeString(reqs, "fastthing==1.0\n");
        RequirementsException e = assertThrows(RequirementsException.class,
                () -> Requirements.install(reqs, site, cache, settings(false), log::add));
        assertTrue(e.getMessage().contains("fastthing"), e.getMessage());
        assertTrue(e.getMessage().contains("no pure-Python wheel"), e.getMessage());
        assertTrue(e.getMessage().contains("no dynamic loading"), e.getMessage());
        assertTrue(e.getMessage().contains("fastthing-1.0-cp37-cp37m-manylinux1_x86_64.whl"), e.getMessage());
        assertFalse(e.getMessage().contains("not found on the index"), e.getMessage());
        try (var entries = Files.list(cache)) {
            assertTrue(entries.noneMatch(p -> Files.isDirectory(p)), "nothing half-installed is cached");
        }
    }

    @Test
    void aSourceOnlyRequirementIsNamedAsNeedingACompilerNotAsMissing() throws Exception {
        Files.write(dir.resolve("wheels/cthing-2.0.tar.gz"), new byte[] {0x1f, (byte) 0x8b});
        Files.writeString(reqs, "cthing\n");
        RequirementsException e = assertThrows(RequirementsException.class,
                () -> Requirements.install(reqs, site, cache, settings(false), log::add));
        assertTrue(e.getMessage().contains("has no pure-Python wheel"), e.getMessage());
        assertTrue(e.getMessage().contains("cthing-2.0.tar.gz"), e.getMessage());
    }

    @Test
    void aMisspelledRequirementIsNotFoundOnTheIndex() throws Exception {
        Files.writeString(reqs, "greeet==1.0\n");
        RequirementsException e = assertThrows(RequirementsException.class,
                () -> Requirements.install(reqs, site, cache, settings(false), log::add));
        assertTrue(e.getMessage().startsWith("The requirement greeet==1.0 was not found on the index"),
                e.getMessage());
        assertTrue(e.getMessage().contains("Check its spelling"), e.getMessage());
        assertFalse(e.getMessage().contains("native"), e.getMessage());
    }

    @Test
    void aVersionTheIndexLacksNamesTheVersionsItHas() throws Exception {
        Files.writeString(reqs, "colors==9.9\n");
        RequirementsException e = assertThrows(RequirementsException.class,
                () -> Requirements.install(reqs, site, cache, settings(false), log::add));
        assertTrue(e.getMessage().startsWith("No pure-Python wheel of colors matches the requirement colors==9.9"),
                e.getMessage());
        assertTrue(e.getMessage().contains("the index has these versions: 2.1"), e.getMessage());
    }

    @Test
    void aPackageNeedingANewerPythonIsRefusedNamingThePinThatFits() throws Exception {
        index.wheel("newpy", "1.0", "py3-none-any", Map.of("newpy/__init__.py", ""), List.of(), ">=3.6, !=3.0.*");
        index.wheel("newpy", "2.0", "py3-none-any", Map.of("newpy/__init__.py", ""), List.of(), ">=3.9");
        // --find-links: no data-requires-python, so pip itself takes 2.0 for the 3.7 guest.
        Requirements.Settings findLinks = new Requirements.Settings(python, PIP_VERSION, null,
                List.of("--no-index", "--find-links", index.dir().toString()), false, settings(false).environment());
        Files.writeString(reqs, "newpy\n");
        RequirementsException e = assertThrows(RequirementsException.class,
                () -> Requirements.install(reqs, site, cache, findLinks, log::add));
        assertTrue(e.getMessage().contains("newpy 2.0 requires Python >=3.9"), e.getMessage());
        assertTrue(e.getMessage().contains("CPython " + PIP_VERSION), e.getMessage());
        assertTrue(e.getMessage().contains("newpy<2.0"), e.getMessage());
        assertFalse(Files.exists(site.resolve("newpy")), "nothing reaches site-packages");

        Files.writeString(reqs, "newpy<2.0\n");
        Requirements.Outcome pinned = Requirements.install(reqs, site, cache, findLinks, log::add);
        assertEquals(List.of("newpy 1.0"), pinned.packages(), "its specifier, wildcard and all, admits 3.7");
    }

    @Test
    void anIndexThatPublishesRequiresPythonGetsTheSameAdvice() throws Exception {
        index.wheel("newpy", "1.0", "py3-none-any", Map.of("newpy/__init__.py", ""), List.of(), ">=3.6");
        index.wheel("newpy", "2.0", "py3-none-any", Map.of("newpy/__init__.py", ""), List.of(), ">=3.9");
        Files.writeString(reqs, "newpy>=2\n");
        RequirementsException e = assertThrows(RequirementsException.class,
                () -> Requirements.install(reqs, site, cache, settings(false), log::add));
        assertTrue(e.getMessage().startsWith("The requirement newpy>=2 has no version for the guest's Python "
                + PIP_VERSION + ": pip ignored 2.0 Requires-Python >=3.9"), e.getMessage());
        assertTrue(e.getMessage().contains("These versions fit: 1.0"), e.getMessage());
    }

    @Test
    void aSharedObjectInAPureWheelIsRefused() throws Exception {
        Files.writeString(reqs, "sneaky==1.0\n");
        RequirementsException e = assertThrows(RequirementsException.class,
                () -> Requirements.install(reqs, site, cache, settings(false), log::add));
        assertTrue(e.getMessage().contains("sneaky/_native.so"), e.getMessage());
    }

    @Test
    void offlineUsesTheCacheOrSaysWhatIsMissing() throws Exception {
        Files.writeString(reqs, "greet==1.0\n");
        RequirementsException e = assertThrows(RequirementsException.class,
                () -> Requirements.install(reqs, site, cache, settings(true), log::add));
        assertTrue(e.getMessage().contains("Offline"), e.getMessage());
        assertTrue(e.getMessage().contains("greet==1.0"), e.getMessage());
        assertEquals(0, index.fileRequests.get());

        Requirements.install(reqs, site, cache, settings(false), log::add);
        Requirements.Outcome offline = Requirements.install(reqs, site, cache, settings(true), log::add);
        assertTrue(offline.fromCache());
    }

    @Test
    void noRequirementsMeansNoPip() throws Exception {
        Files.writeString(reqs, "# nothing yet\n\n");
        Requirements.Settings noPython = new Requirements.Settings(dir.resolve("no-python"), PIP_VERSION, null,
                List.of(), false, Map.of());
        Requirements.Outcome o = Requirements.install(reqs, site, cache, noPython, log::add);
        assertEquals(0, o.requirements());
        assertTrue(Files.isDirectory(site));
        assertEquals(0, Requirements.install(dir.resolve("absent.txt"), site, cache, noPython, log::add).requirements());
    }

    @Test
    void aPythonWithoutPipNamesTheAptPackage() throws Exception {
        Path fake = dir.resolve("python-without-pip");
        Files.writeString(fake, "#!/bin/sh\necho 'No module named pip' >&2\nexit 1\n");
        fake.toFile().setExecutable(true);
        Files.writeString(reqs, "greet==1.0\n");
        Requirements.Settings s = new Requirements.Settings(fake, PIP_VERSION, null, List.of(), false,
                Map.of("PATH", "/usr/bin:/bin"));
        RequirementsException e = assertThrows(RequirementsException.class,
                () -> Requirements.install(reqs, site, cache, s, log::add));
        assertTrue(e.getMessage().contains("apt-get install python3-pip"), e.getMessage());
    }

    @Test
    void aLongPipRunSaysHowLongAndWhatItDoesWhileItRuns() throws Exception {
        Requirements.Settings s = new Requirements.Settings(dir.resolve("unused"), PIP_VERSION, null, List.of(), false,
                Map.of("PATH", "/usr/bin:/bin"));
        List<String> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
        Path work = Files.createDirectories(dir.resolve("work"));
        Requirements.ProcessResult r = Requirements.run(List.of("sh", "-c",
                "echo 'Collecting greet==1.0'; sleep 1.5; echo 'Installing collected packages: greet'"), s, work, 60,
                progress::add, java.time.Duration.ofMillis(200));
        assertEquals(0, r.exit());
        assertTrue(r.output().contains("Installing collected packages"), r.output());
        assertTrue(progress.size() >= 3, progress.toString());
        assertTrue(progress.get(progress.size() - 1).matches("pip: [0-9]+ s, last: Collecting greet==1\\.0"),
                progress.toString());

        List<String> none = new java.util.ArrayList<>();
        Requirements.run(List.of("sh", "-c", "exit 0"), s, work, 60, none::add, java.time.Duration.ofMillis(200));
        assertEquals(List.of(), none, "a quick run says nothing more");
    }

    @Test
    void theCacheKeyFollowsTheIndexSettings() throws Exception {
        Files.writeString(reqs, "greet==1.0\n");
        Requirements.Settings a = settings(false);
        Requirements.Settings b = new Requirements.Settings(python, PIP_VERSION, "http://127.0.0.1:1/simple/",
                List.of(), false, a.environment());
        assertFalse(Requirements.cacheKey(reqs, a).equals(Requirements.cacheKey(reqs, b)));
        Requirements.Settings py310 = new Requirements.Settings(python, "3.10", a.indexUrl(), a.extraArgs(), false,
                a.environment());
        assertNotEquals(Requirements.cacheKey(reqs, a), Requirements.cacheKey(reqs, py310),
                "another guest Python gets other wheels");
        assertEquals(Requirements.cacheKey(reqs, a), Requirements.cacheKey(reqs, settings(true)),
                "offline mode reads the same entry");
    }
}
