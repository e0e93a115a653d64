package io.github.unikernelfaas.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.host.Owner;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run-time files that hold secrets, as another local user sees them: owner-only from their creation
 * (watched while they are written), gone when the goal ends, swept after a kill -9. Run as root (CI), the
 * test also reads them as user nobody; as any user it checks the POSIX permissions of each path and of every
 * directory above it.
 */
class RuntimeFilesTest {
    private static final String SECRET = "s3cr=t-value";

    @TempDir
    Path tmp;
    Path workDir;
    Path fs0;
    Path app;
    private final List<String> log = new ArrayList<>();

    @BeforeEach
    void project() throws IOException {
        // As a project directory is: others may walk into it, so only our own modes keep them out.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path target = Files.createDirectories(tmp.resolve("project/target"));
        workDir = Files.createDirectories(target.resolve("unikernel"));
        fs0 = Files.createDirectories(workDir.resolve("fs0"));
        app = Files.createDirectories(fs0.resolve("lib/python3.7/app"));
        Files.writeString(app.resolve("function.py"), "def handler(event):\n    return event\n");
        // Big enough that writing the copy takes a while for the watcher to look at.
        Files.write(fs0.resolve("lib/python3.7/big.bin"), new byte[24 << 20]);
    }

    private RuntimeEnv env() throws IOException {
        Path secrets = Files.createDirectories(tmp.resolve("project/.secrets"));
        Files.writeString(secrets.resolve("API_TOKEN"), SECRET + "\n");
        return RuntimeEnv.collect(tmp.resolve("project/.env"), Map.of("V", "x"), Map.of(), secrets);
    }

    @Test
    void theInitrdCopyIsOwnerOnlyFromItsCreationHoldsAnEntryOf0600AndGoesWhenTheGoalEnds() throws Exception {
        RuntimeEnv env = env();
        List<String> exposed = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger looks = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        Thread watcher = new Thread(() -> watch(exposed, looks, stop));
        watcher.start();
        Path cpio;
        Path dir;
        try (RuntimeFiles files = RuntimeFiles.create(workDir, log::add)) {
            dir = files.dir();
            cpio = files.writeInitrd(env, fs0, "", "lib/python3.7/app");
            assertEquals(workDir.resolve("run/fs0.cpio"), cpio);
            assertEquals("rwx------", mode(dir));
            assertEquals("rw-------", mode(cpio));
            assertNotReadableByOthers(cpio);
            Map<String, Integer> modes = new HashMap<>();
            String value = entries(cpio, modes);
            assertEquals(0600, modes.get("lib/python3.7/app/" + RuntimeEnv.FILE) & 0777);
            assertEquals(0644, modes.get("lib/python3.7/app/function.py") & 0777, "the function's own modes stay");
            assertTrue(value.contains(SECRET), "the wrapper's file is in the copy");
            assertFalse(Files.exists(app.resolve(RuntimeEnv.FILE)), "fs0 itself never holds the file");
        } finally {
            stop.set(true);
            watcher.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertTrue(looks.get() > 0, "the watcher looked");
        assertEquals(List.of(), exposed, "readable by others while being written");
        assertFalse(Files.exists(dir), "the goal's end deletes the directory");
        assertFalse(Files.exists(cpio));
    }

    @Test
    void theNinePFileIsOwnerOnlyRecordedAndDeletedWhenTheGoalEnds() throws Exception {
        RuntimeEnv env = env();
        Path file;
        try (RuntimeFiles files = RuntimeFiles.create(workDir, log::add)) {
            file = files.writeEnvFile(env, app);
            assertEquals("rw-------", mode(file));
            assertNotReadableByOthers(file);
            assertTrue(Files.readString(files.dir().resolve(RuntimeFiles.OWNER)).contains("file=" + file),
                    "named in the record, for the sweep after a kill -9");
        }
        assertFalse(Files.exists(file));
        assertFalse(Files.exists(workDir.resolve(RuntimeFiles.DIR)));
    }

    @Test
    void aKilledGoalsFilesAreSweptByTheNextGoalAndALiveOnesAreLeftAlone() throws Exception {
        RuntimeEnv env = env();
        Process build = new ProcessBuilder("sleep", "60").start();
        try {
            // What a goal of that (other) process wrote before it was killed.
            RuntimeFiles files = RuntimeFiles.create(workDir, log::add);
            files.writeEnvFile(env, app);
            Path cpio = files.writeInitrd(env, fs0, "", "lib/python3.7/app");
            Path record = files.dir().resolve(RuntimeFiles.OWNER);
            Files.writeString(record, Files.readString(record).replace("owner=" + Owner.current(),
                    "owner=" + Owner.describe(build.toHandle())));

            assertEquals(List.of(), RuntimeFiles.sweep(workDir, log::add), "its build is still running");
            assertTrue(Files.exists(cpio) && Files.exists(app.resolve(RuntimeEnv.FILE)));
            try (RuntimeFiles second = RuntimeFiles.create(workDir, log::add)) {
                assertNotEquals(files.dir(), second.dir(), "a second build of the project at once has its own");
                assertEquals("rwx------", mode(second.dir()));
            }

            build.destroyForcibly(); // kill -9
            assertTrue(build.waitFor(10, TimeUnit.SECONDS));
            List<Path> swept = RuntimeFiles.sweep(workDir, log::add);
            assertTrue(swept.contains(files.dir()) && swept.contains(app.resolve(RuntimeEnv.FILE)), swept.toString());
            assertFalse(Files.exists(cpio));
            assertFalse(Files.exists(app.resolve(RuntimeEnv.FILE)));
            assertTrue(log.stream().anyMatch(l -> l.startsWith("Deleted the run-time environment files (secrets) a"
                    + " killed build left")), log.toString());
            files.close();
        } finally {
            build.destroyForcibly();
        }
    }

    @Test
    void anOlderPluginsLeftoverWithoutARecordIsSwept() throws Exception {
        Path run = Files.createDirectories(workDir.resolve("run"));
        Files.writeString(run.resolve("fs0.cpio"), SECRET);
        Files.writeString(run.resolve("initrd-with-fs0.img"), SECRET);
        assertEquals(List.of(run), RuntimeFiles.sweep(workDir, log::add));
        assertFalse(Files.exists(run));
        assertEquals(List.of(), RuntimeFiles.sweep(workDir, log::add), "nothing more");
    }

    @Test
    void aDamagedRecordDeletesOnlyTheWrappersFile() throws Exception {
        Path run = Files.createDirectories(workDir.resolve("run"));
        Path precious = Files.writeString(tmp.resolve("precious.txt"), "keep");
        Files.writeString(run.resolve(RuntimeFiles.OWNER), "owner=2147483646 -\nfile=" + precious + "\n");
        RuntimeFiles.sweep(workDir, log::add);
        assertTrue(Files.exists(precious));
        assertFalse(Files.exists(run));
    }

    /** Polls the work directory for files under run/ that others could read, until told to stop. */
    private void watch(List<String> exposed, AtomicInteger looks, AtomicBoolean stop) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!stop.get() && System.nanoTime() < deadline) {
            try (Stream<Path> s = Files.walk(workDir)) {
                for (Path p : s.filter(p -> p.startsWith(workDir.resolve("run"))).toList()) {
                    try {
                        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
                        if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.GROUP_READ)
                                || perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                            exposed.add(p + " " + PosixFilePermissions.toString(perms));
                        }
                    } catch (IOException gone) {
                        // Renamed or deleted between the listing and the look.
                    }
                }
                looks.incrementAndGet();
            } catch (IOException | java.io.UncheckedIOException gone) {
                // As above.
            }
        }
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    /** The archive's modes by entry name; returns the wrapper file's content. */
    private static String entries(Path cpio, Map<String, Integer> modes) throws IOException {
        String env = null;
        try (InputStream in = Files.newInputStream(cpio); CpioArchiveInputStream a = new CpioArchiveInputStream(in)) {
            CpioArchiveEntry e;
            while ((e = a.getNextCPIOEntry()) != null) {
                modes.put(e.getName(), (int) e.getMode());
                if (e.getName().endsWith(RuntimeEnv.FILE)) {
                    env = new String(a.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        return env;
    }

    /**
     * Another user cannot read {@code file}: by its mode or a directory above it (every one up to /), and, when
     * this runs as root with runuser (as CI does), by trying as user nobody.
     */
    static void assertNotReadableByOthers(Path file) throws Exception {
        boolean readable = Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ);
        for (Path d = file.toAbsolutePath().getParent(); d != null; d = d.getParent()) {
            readable &= Files.getPosixFilePermissions(d).contains(PosixFilePermission.OTHERS_EXECUTE);
        }
        assertFalse(readable, file + " and the directories above it let others read it");
        if (!asRootWithRunuser()) {
            System.out.println("RuntimeFilesTest: not root or no runuser: checked " + file + " by its modes only");
            return;
        }
        Process cat = new ProcessBuilder("runuser", "-u", "nobody", "--", "cat", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(cat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(cat.waitFor(30, TimeUnit.SECONDS));
        assertNotEquals(0, cat.exitValue(), "nobody read " + file + ": " + out);
        assertTrue(out.contains("Permission denied"), out);
        assertFalse(out.contains(SECRET));
    }

    private static boolean asRootWithRunuser() throws Exception {
        Process id = new ProcessBuilder("id", "-u").start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        id.waitFor(10, TimeUnit.SECONDS);
        return uid.equals("0") && Stream.of("/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser")
                .anyMatch(p -> Files.isExecutable(Path.of(p)));
    }
}
