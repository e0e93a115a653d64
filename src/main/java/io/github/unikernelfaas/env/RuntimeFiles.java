package io.github.unikernelfaas.env;

import io.github.unikernelfaas.host.Owner;
import io.github.unikernelfaas.host.Trees;
import io.github.unikernelfaas.rootfs.Fs0Cpio;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The files of one goal that hold the run-time environment's values (secrets among them): owner-only from
 * their creation, deleted when the goal ends (on Ctrl-C too), and swept by the next goal of the project when
 * a kill -9 left them. They live in a private directory, {@code <workDir>/run} (mode 0700), whose
 * {@value #OWNER} file names the JVM that made it and any file it wrote outside (the 9p root's file in fs0).
 */
public final class RuntimeFiles implements AutoCloseable {
    public static final String DIR = "run";
    static final String OWNER = "owner";
    /** run, or run.<pid> while another live build of the project holds run. */
    private static final Pattern NAME = Pattern.compile("run(\\.[0-9]+)?");
    static final FileAttribute<Set<PosixFilePermission>> PRIVATE_DIR =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    static final FileAttribute<Set<PosixFilePermission>> PRIVATE_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private final Path dir;
    private final Set<Path> outside = new LinkedHashSet<>();
    private final Thread hook;

    private RuntimeFiles(Path dir) {
        this.dir = dir;
        this.hook = new Thread(this::delete, "unikernel-faas-env-cleanup");
    }

    /** Sweeps what a killed goal left in {@code workDir}, then makes this goal's private directory. */
    public static RuntimeFiles create(Path workDir, Consumer<String> log) {
        sweep(workDir, log);
        try {
            Files.createDirectories(workDir);
            Path dir = workDir.resolve(DIR);
            if (Files.exists(dir)) { // held by a build that is still running: the sweep left it
                dir = workDir.resolve(DIR + "." + ProcessHandle.current().pid());
                Trees.delete(dir);
            }
            Files.createDirectory(dir, PRIVATE_DIR);
            RuntimeFiles files = new RuntimeFiles(dir);
            files.writeOwner();
            Runtime.getRuntime().addShutdownHook(files.hook);
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not make the private run-time directory in " + workDir + ": "
                    + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** The 9p root: the wrapper's file in fs0's app directory (owner-only), recorded for the sweep first. */
    public Path writeEnvFile(RuntimeEnv env, Path appDir) {
        Path file = appDir.resolve(RuntimeEnv.FILE).toAbsolutePath().normalize();
        outside.add(file);
        try {
            writeOwner();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + dir.resolve(OWNER) + ": " + e.getMessage(), e);
        }
        return env.writeInto(appDir);
    }

    /**
     * The initrd root: fs0's CPIO with the wrapper's file as an owner-only entry at {@code appDir} (relative to
     * fs0) in this private directory; fs0 itself never holds the file.
     */
    public Path writeInitrd(RuntimeEnv env, Path fs0, String prefix, String appDir) {
        Path cpio = dir.resolve("fs0.cpio");
        String entry = appDir.isEmpty() ? RuntimeEnv.FILE : appDir.replaceAll("/+$", "") + "/" + RuntimeEnv.FILE;
        Fs0Cpio.writePrivate(fs0, cpio, prefix, Map.of(entry, env.json()));
        return cpio;
    }

    private void writeOwner() throws IOException {
        StringBuilder sb = new StringBuilder("owner=").append(Owner.current()).append('\n');
        outside.forEach(f -> sb.append("file=").append(f).append('\n'));
        Path tmp = dir.resolve(OWNER + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PRIVATE_FILE);
        Files.writeString(tmp, sb, StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(OWNER), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deletes every file of this goal; safe to call more than once. */
    @Override
    public void close() {
        delete();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook runs.
        }
    }

    private synchronized void delete() {
        deleteQuietly(new ArrayList<>(outside), dir);
    }

    /**
     * Deletes the run-time directories (and the files they name) of goals that are gone: killed, or an earlier
     * goal of this JVM. A directory of a build that is still running is left alone. Returns what was deleted.
     */
    public static List<Path> sweep(Path workDir, Consumer<String> log) {
        List<Path> swept = new ArrayList<>();
        if (workDir == null || !Files.isDirectory(workDir)) {
            return swept;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(workDir,
                p -> NAME.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p))) {
            for (Path run : entries) {
                List<String> owner = ownerLines(run);
                String by = field(owner, "owner=").stream().findFirst().orElse(null);
                if (Owner.liveOther(by).isPresent()) {
                    continue;
                }
                // Only the wrapper's file, whatever a damaged record says.
                List<Path> files = field(owner, "file=").stream().map(Path::of)
                        .filter(f -> f.getFileName() != null && f.getFileName().toString().equals(RuntimeEnv.FILE))
                        .toList();
                files.stream().filter(Files::exists).forEach(swept::add);
                swept.add(run);
                deleteQuietly(files, run);
            }
        } catch (IOException e) {
            log.accept("Could not look for run-time files a killed build left in " + workDir + ": " + e.getMessage());
        }
        if (!swept.isEmpty()) {
            log.accept("Deleted the run-time environment files (secrets) a killed build left: " + swept);
        }
        return swept;
    }

    private static List<String> ownerLines(Path run) {
        try {
            return Files.readAllLines(run.resolve(OWNER), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of(); // an older plugin's, or killed before it was written: nobody's
        }
    }

    private static List<String> field(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).toList();
    }

    private static void deleteQuietly(List<Path> files, Path dir) {
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
                Files.deleteIfExists(f.resolveSibling(f.getFileName() + ".tmp"));
            } catch (IOException e) {
                return; // the record stays, so that the next goal's sweep tries again
            }
        }
        try {
            Trees.delete(dir);
        } catch (IOException | UncheckedIOException ignored) {
            // As above.
        }
    }
}
