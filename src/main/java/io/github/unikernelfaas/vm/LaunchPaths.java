package io.github.unikernelfaas.vm;

import io.github.unikernelfaas.host.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Paths QEMU takes as they are. QEMU splits a multiboot kernel's {@code -initrd} into modules at {@code ,} and
 * each module into its file and arguments at spaces, and its option values ({@code -fsdev path=},
 * {@code -qmp unix:}) at commas; so a file whose path holds anything but letters, digits and {@code ._/+@=-}
 * reaches QEMU as a symbolic link in a private directory with a safe name, and a socket is made there. That
 * directory sits beside the VM's record (in the cache), else in the system temp directory; it goes with the VM.
 */
final class LaunchPaths implements AutoCloseable {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._/+@=-]+");
    /** Unix socket paths are limited to 108 bytes. */
    static final int MAX_SOCKET_PATH = 100;
    static final String SUFFIX = ".paths";

    private final Path preferred;
    private Path dir;
    private final Map<Path, Path> links = new LinkedHashMap<>();

    /** @param preferred the private directory to make when one is needed (its name must be safe) */
    LaunchPaths(Path preferred) {
        this.preferred = preferred.toAbsolutePath();
    }

    /** The private directory of the VM recorded in {@code record}: {@code <record's name>.paths} beside it. */
    static Path besideRecord(Path record) {
        String name = record.getFileName().toString();
        return record.resolveSibling((name.endsWith(".pid") ? name.substring(0, name.length() - 4) : name) + SUFFIX);
    }

    static boolean safe(Path p) {
        return SAFE.matcher(p.toAbsolutePath().toString()).matches();
    }

    /** {@code file} itself when QEMU takes its path as it is, else a link to it in the private directory. */
    Path file(Path file) {
        if (file == null || safe(file)) {
            return file;
        }
        Path target = file.toAbsolutePath();
        Path link = links.get(target);
        if (link == null) {
            try {
                String name = target.getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_");
                link = dir().resolve(links.size() + "-" + name);
                Files.createSymbolicLink(link, target);
            } catch (IOException e) {
                throw new VmException("Could not link " + target + " into " + dir + " (QEMU splits paths at commas and"
                        + " spaces): " + e.getMessage(), e);
            }
            links.put(target, link);
        }
        return link;
    }

    /** Where QEMU makes its QMP socket: {@code wanted}, unless its path is unsafe or too long. */
    Path socket(Path wanted) throws IOException {
        if (safe(wanted) && wanted.toAbsolutePath().toString().length() <= MAX_SOCKET_PATH) {
            return wanted;
        }
        Path inDir = dir().resolve("qmp.sock");
        if (inDir.toString().length() <= MAX_SOCKET_PATH) {
            return inDir;
        }
        return Files.createTempDirectory("ukfaas-qmp").resolve("qmp.sock");
    }

    private Path dir() throws IOException {
        if (dir == null) {
            Path d = preferred;
            if (!safe(d)) {
                d = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().resolve("ukfaas-qemu-"
                        + ProcessHandle.current().pid() + "-" + Integer.toHexString(System.identityHashCode(this)));
            }
            if (!safe(d)) {
                throw new VmException("Neither " + preferred + " nor the temp directory " + d.getParent() + " is a"
                        + " path QEMU takes as it is (letters, digits and ._/+@=-): set -Dunikernel.cacheDir to one");
            }
            Trees.delete(d); // a killed build's
            Files.createDirectories(d.getParent());
            dir = Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return dir;
    }

    /** The private directory when one was made. */
    Path dirIfMade() {
        return dir;
    }

    /** Deletes the links (never their targets) and the directory. */
    @Override
    public void close() {
        if (dir != null) {
            try {
                Trees.delete(dir);
            } catch (IOException | RuntimeException ignored) {
                // The next boot with this record, or its sweep, tries again.
            }
        }
    }
}
