package io.github.unikernelfaas.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipArgsTest {
    @TempDir
    Path dir;

    @Test
    void twoSpellingsOfOneFindLinksDirectoryGiveOneKey() throws Exception {
        Path wheels = Files.createDirectories(dir.resolve("wheels"));
        Files.writeString(wheels.resolve("greet-1.0-py3-none-any.whl"), "wheel bytes");
        Files.createDirectories(dir.resolve("module-a"));
        String viaModule = dir.resolve("module-a/../wheels").toString();
        List<String> a = PipArgs.forKey(List.of("--find-links", viaModule, "--no-index"));
        List<String> b = PipArgs.forKey(List.of("-f", wheels.toString() + "/", "--no-index"));
        assertEquals(a.get(1), b.get(1));
        assertEquals(a.get(1), PipArgs.forKey(List.of("--find-links=" + wheels.toUri())).get(0)
                .substring("--find-links=".length()), "a file: URL and the = form too");
        assertTrue(a.get(1).startsWith("dir:"), a.toString());
        assertEquals("--no-index", a.get(2), "other arguments stay as they are");

        Files.writeString(wheels.resolve("greet-1.1-py3-none-any.whl"), "newer wheel");
        assertNotEquals(a, PipArgs.forKey(List.of("--find-links", viaModule, "--no-index")),
                "a wheel added to the directory gives a new key");
    }

    @Test
    void aFileIndexAndAConstraintsFileStandForTheirContent() throws Exception {
        Path index = Files.createDirectories(dir.resolve("simple/greet"));
        Files.writeString(index.resolve("index.html"), "<a href='greet-1.0.whl'>");
        String before = PipArgs.location(dir.resolve("simple").toUri().toString());
        assertEquals(before, PipArgs.location("file://" + dir.resolve("x/../simple")));
        Files.writeString(index.resolve("index.html"), "<a href='greet-1.1.whl'>");
        assertNotEquals(before, PipArgs.location(dir.resolve("simple").toUri().toString()),
                "a change deep in the index tree counts");

        Path c = Files.writeString(dir.resolve("constraints.txt"), "greet<2\n");
        assertEquals(PipArgs.forKey(List.of("-c", c.toString())).get(1),
                PipArgs.forKey(List.of("--constraint", dir.resolve("./constraints.txt").toString())).get(1));
    }

    @Test
    void remoteUrlsAndMissingPathsKeepTheirMeaning() {
        assertEquals("https://pypi.org/simple", PipArgs.location("https://pypi.org/simple"));
        assertEquals("path:" + dir.resolve("gone").toAbsolutePath(),
                PipArgs.location(dir.resolve("x/../gone").toString()));
        assertEquals(List.of("--pre"), PipArgs.forKey(List.of("--pre")));
    }

    @Test
    void theRequirementsKeyNoLongerDependsOnTheSpelling() throws Exception {
        Path wheels = Files.createDirectories(dir.resolve("wheels"));
        Files.writeString(wheels.resolve("w.whl"), "w");
        Path reqs = Files.writeString(dir.resolve("requirements.txt"), "greet\n");
        Files.createDirectories(dir.resolve("m"));
        Requirements.Settings a = new Requirements.Settings(Path.of("python3"), "3.7", null,
                List.of("--find-links", dir.resolve("m/../wheels").toString()), false, Map.of());
        Requirements.Settings b = new Requirements.Settings(Path.of("python3"), "3.7", null,
                List.of("--find-links", wheels.toString()), false, Map.of());
        assertEquals(Requirements.cacheKey(reqs, a), Requirements.cacheKey(reqs, b));
    }
}
