package io.github.unikernelfaas.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.flavour.TestFlavours;
import io.github.unikernelfaas.host.HostTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Markers evaluated for the guest, whatever Python runs pip: the host's python3 (3.11 here) drops
 * {@code python_version < "3.8"} requirements, which the 3.7 guest needs. Real pip against an index on 127.0.0.1.
 */
class GuestMarkersTest {
    /** The shipped flavour's guest: CPython 3.7. */
    private static final String GUEST_37 = TestFlavours.DEFAULT.pipPythonVersion();
    /** The test flavour's guest: CPython 3.10, for which no 3.7-only requirement applies. */
    private static final String GUEST_310 = TestFlavours.TEST.pipPythonVersion();
    private static final String OLD = "python_version < \"3.8\"";

    @TempDir
    Path dir;

    private WheelIndex index;
    private Path python;
    private Path cache;
    private Path site;
    private Path reqs;
    private final List<String> log = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        python = HostTool.require(null, "python3", System.getenv("PATH"), "unikernel.python", "install python3");
        index = new WheelIndex(dir.resolve("wheels"));
        // As PyJWT 2.8.0 and typing-extensions; the backport comes only through the 3.7-only one.
        index.wheel("jwtish", "2.8", "py3-none-any", Map.of("jwtish/__init__.py", "import typext\n"),
                List.of("typext; " + OLD));
        index.wheel("typext", "4.7", "py3-none-any", Map.of("typext/__init__.py", ""),
                List.of("backport>=1; " + OLD));
        index.wheel("backport", "1.2", "py3-none-any", Map.of("backport/__init__.py", ""), List.of());
        index.wheel("colors", "1.5", "py3-none-any", Map.of("colors/__init__.py", "V = 1\n"), List.of());
        index.wheel("colors", "2.1", "py3-none-any", Map.of("colors/__init__.py", "V = 2\n"), List.of());
        cache = dir.resolve("cache");
        site = dir.resolve("fs0/lib/python3.7/site-packages");
        reqs = dir.resolve("requirements.txt");
    }

    @AfterEach
    void tearDown() {
        index.close();
    }

    private Requirements.Settings settings(String guest, String indexUrl, List<String> extraArgs) {
        Map<String, String> env = Map.of("PATH", System.getenv("PATH"), "HOME", dir.toString(),
                "PIP_CONFIG_FILE", "/dev/null", "PIP_NO_CACHE_DIR", "1");
        return new Requirements.Settings(python, guest, indexUrl, extraArgs, false, env);
    }

    private Requirements.Settings settings(String guest) {
        return settings(guest, index.url(), List.of());
    }

    @Test
    void theGuestEnvironmentIsTheFlavoursCPythonOnLinuxX8664() {
        Map<String, String> env = GuestMarkers.environment("3.7.4");
        assertEquals("3.7", env.get("python_version"));
        assertEquals("3.7.4", env.get("python_full_version"));
        assertEquals("3.7.4", env.get("implementation_version"));
        assertEquals("cpython", env.get("implementation_name"));
        assertEquals("CPython", env.get("platform_python_implementation"));
        assertEquals("linux", env.get("sys_platform"));
        assertEquals("Linux", env.get("platform_system"));
        assertEquals("x86_64", env.get("platform_machine"));
        assertEquals("posix", env.get("os_name"));
        assertEquals("3.10.0", GuestMarkers.environment("3.10").get("python_full_version"), "pip's reading of 3.10");
    }

    @Test
    void aDependencyOnlyThe37GuestNeedsIsInstalledWithItsOwn() throws Exception {
        Files.writeString(reqs, "jwtish==2.8\n");
        Requirements.Outcome o = Requirements.install(reqs, site, cache, settings(GUEST_37), log::add);
        assertEquals(List.of("backport 1.2", "jwtish 2.8", "typext 4.7"), o.packages(), log.toString());
        assertTrue(Files.isRegularFile(site.resolve("typext/__init__.py")));
        assertTrue(log.stream().anyMatch(l -> l.startsWith("pip left out what the guest's Python " + GUEST_37
                + " needs") && l.contains("typext (jwtish 2.8 requires typext; " + OLD + ")")), log.toString());
        assertTrue(log.stream().anyMatch(l -> l.contains("backport>=1 (typext 4.7 requires backport>=1; ")),
                "a second round finds the dependency of the first one's: " + log);

        // The cache entry holds the fixed point: the next build gets it all without pip.
        int downloads = index.fileRequests.get();
        Requirements.Outcome again = Requirements.install(reqs, site, cache, settings(GUEST_37), log::add);
        assertTrue(again.fromCache());
        assertEquals(o.packages(), again.packages());
        assertEquals(downloads, index.fileRequests.get());
    }

    @Test
    void theSameDependencyIsLeftOutForANewerGuest() throws Exception {
        Files.writeString(reqs, "jwtish==2.8\n");
        Requirements.Outcome o = Requirements.install(reqs, site, cache, settings(GUEST_310), log::add);
        assertEquals(List.of("jwtish 2.8"), o.packages());
        assertFalse(Files.exists(site.resolve("typext")));
        assertTrue(log.stream().noneMatch(l -> l.startsWith("pip left out")), log.toString());
    }

    @Test
    void aMarkerOnARequirementsLineIsEvaluatedForTheGuest() throws Exception {
        Files.writeString(reqs, "colors==2.1\nbackport; " + OLD + "  # the guest's only\n");
        assertEquals(List.of("backport 1.2", "colors 2.1"),
                Requirements.install(reqs, site, cache, settings(GUEST_37), log::add).packages());
        assertEquals(List.of("colors 2.1"),
                Requirements.install(reqs, site, cache, settings(GUEST_310), log::add).packages());
    }

    @Test
    void anExtrasGuestOnlyDependencyIsInstalledWhenTheExtraIsAskedFor() throws Exception {
        index.wheel("fancy", "1.0", "py3-none-any", Map.of("fancy/__init__.py", ""),
                List.of("backport; extra == \"old\" and " + OLD, "typext; extra == \"other\""));
        Files.writeString(reqs, "fancy[old]==1.0\n");
        assertEquals(List.of("backport 1.2", "fancy 1.0"),
                Requirements.install(reqs, site, cache, settings(GUEST_37), log::add).packages());
        Files.writeString(reqs, "fancy==1.0\n");
        assertEquals(List.of("fancy 1.0"),
                Requirements.install(reqs, site, cache, settings(GUEST_37), log::add).packages(),
                "without the extra its requirements do not apply");
    }

    @Test
    void aGuestOnlyVersionLimitMakesPipChooseAnotherVersion() throws Exception {
        // pip on 3.11 takes colors 2.1; the guest's marker limits it below 2.
        index.wheel("palette", "1.0", "py3-none-any", Map.of("palette/__init__.py", ""),
                List.of("colors", "colors<2; " + OLD));
        Files.writeString(reqs, "palette==1.0\n");
        assertEquals(List.of("colors 1.5", "palette 1.0"),
                Requirements.install(reqs, site, cache, settings(GUEST_37), log::add).packages());
        assertTrue(log.stream().anyMatch(l -> l.contains("colors<2 (palette 1.0 requires colors<2; " + OLD
                + "; installed: colors 2.1)")), log.toString());
        assertEquals("V = 1\n", Files.readString(site.resolve("colors/__init__.py")));
    }

    @Test
    void aGuestOnlyDependencyNoIndexHasFailsNamingItAndWhoNeedsIt() throws Exception {
        index.wheel("needy", "1.0", "py3-none-any", Map.of("needy/__init__.py", ""), List.of("ghost>=2; " + OLD));
        Files.writeString(reqs, "needy==1.0\n");
        RequirementsException e = assertThrows(RequirementsException.class,
                () -> Requirements.install(reqs, site, cache, settings(GUEST_37), log::add));
        assertTrue(e.getMessage().startsWith("The guest's Python " + GUEST_37 + " needs ghost>=2 (needy 1.0 requires"
                + " ghost>=2; " + OLD + "), which pip left out"), e.getMessage());
        assertTrue(e.getMessage().contains("ghost"), e.getMessage());
        assertTrue(e.getMessage().contains("was not found on the index"), e.getMessage());
        try (var entries = Files.list(cache)) {
            assertTrue(entries.noneMatch(Files::isDirectory), "nothing half-installed is cached");
        }
        assertFalse(Files.exists(site.resolve("needy")));
    }

    @Test
    void aFindLinksDirectoryServesTheGuestOnlyDependencyToo() throws Exception {
        Files.writeString(reqs, "jwtish==2.8\n");
        Requirements.Settings findLinks = settings(GUEST_37, null,
                List.of("--no-index", "--find-links", index.dir().toString()));
        assertEquals(List.of("backport 1.2", "jwtish 2.8", "typext 4.7"),
                Requirements.install(reqs, site, cache, findLinks, log::add).packages());
    }

    @Test
    void whatPipInstalledForItsOwnPythonOnlyIsRemoved() throws Exception {
        // pip on 3.11 takes newonly, which needs 3.8 (a --find-links directory does not say so beforehand).
        index.wheel("modern", "1.0", "py3-none-any", Map.of("modern/__init__.py", ""),
                List.of("newonly; python_version >= \"3.8\"", "colors==2.1"));
        index.wheel("newonly", "3.0", "py3-none-any", Map.of("newonly/__init__.py", "", "newonly/sub/deep.py", ""),
                List.of("colors"), ">=3.8");
        Files.writeString(reqs, "modern==1.0\n");
        List<String> findLinks = List.of("--no-index", "--find-links", index.dir().toString());
        Requirements.Outcome o = Requirements.install(reqs, site, cache, settings(GUEST_37, null, findLinks),
                log::add);
        assertEquals(List.of("colors 2.1", "modern 1.0"), o.packages(), log.toString());
        assertFalse(Files.exists(site.resolve("newonly")), "its files went with it");
        assertTrue(Files.isRegularFile(site.resolve("colors/__init__.py")), "what the guest needs stays");
        assertTrue(log.stream().anyMatch(l -> l.startsWith("Removed what pip installed for the markers of its own"
                + " Python only, which the guest's " + GUEST_37 + " does not need: newonly 3.0")), log.toString());

        assertEquals(List.of("colors 2.1", "modern 1.0", "newonly 3.0"),
                Requirements.install(reqs, site, cache, settings(GUEST_310, null, findLinks), log::add).packages(),
                "the 3.10 guest needs it");
    }

    @Test
    void theFlavoursMarkersAreTheGuests() throws Exception {
        // The shipped guest's CPython says sys.platform "unknown": a Linux-only dependency is not its.
        index.wheel("watcher", "1.0", "py3-none-any", Map.of("watcher/__init__.py", ""),
                List.of("inotifyish; sys_platform == \"linux\"", "winish; platform_system == \"Windows\""));
        index.wheel("inotifyish", "1.0", "py3-none-any", Map.of("inotifyish/__init__.py", ""), List.of());
        Files.writeString(reqs, "watcher==1.0\n");
        Requirements.Settings linux = settings(GUEST_37);
        Requirements.Settings shipped = new Requirements.Settings(python, GUEST_37, index.url(), List.of(), false,
                linux.environment(), TestFlavours.DEFAULT.markers());
        assertFalse(Requirements.cacheKey(reqs, linux).equals(Requirements.cacheKey(reqs, shipped)),
                "other markers, another entry");
        assertEquals(List.of("inotifyish 1.0", "watcher 1.0"),
                Requirements.install(reqs, site, cache, linux, log::add).packages());
        assertEquals(List.of("watcher 1.0"), Requirements.install(reqs, site, cache, shipped, log::add).packages());
        assertEquals("unknown", GuestMarkers.environment(shipped).get("sys_platform"));
        assertEquals("3.7", GuestMarkers.environment(shipped).get("python_version"));
    }

    @Test
    void aNestedRequirementsFileIsWalkedToo() throws Exception {
        Files.writeString(dir.resolve("base.txt"), "jwtish==2.8\n");
        Files.writeString(reqs, "-r base.txt\n");
        assertEquals(List.of("backport 1.2", "jwtish 2.8", "typext 4.7"),
                Requirements.install(reqs, site, cache, settings(GUEST_37), log::add).packages());
    }
}
