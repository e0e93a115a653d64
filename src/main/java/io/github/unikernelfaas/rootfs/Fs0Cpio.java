package io.github.unikernelfaas.rootfs;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;

/**
 * fs0 as an initrd: a newc CPIO archive that Unikraft's initrd root (and Linux's initramfs) unpacks
 * into a RAM file system. Reproducible: entries sorted by path (parents first), inode numbers in that
 * order, fixed mtime, uid/gid 0, modes 0755 for directories and 0644 for files; so the same tree gives
 * the same bytes.
 */
public final class Fs0Cpio {
    /** jib's reproducible-layer time: one second after the epoch. */
    static final long MTIME = 1;

    private Fs0Cpio() {
    }

    /**
     * Writes {@code fs0} to {@code out} (via a temp file and an atomic rename).
     *
     * @param prefix a directory the tree goes under inside the archive ("" for the archive's root)
     * @return the number of entries
     */
    public static int write(Path fs0, Path out, String prefix) {
        return write(fs0, out, prefix, Map.of(), false);
    }

    /**
     * A run-time copy holding private files: {@code out} is owner-only from its creation (so is its temp file),
     * and each of {@code extra} (a path relative to fs0, and its bytes) is an entry of mode 0600, never a file
     * in fs0.
     */
    public static int writePrivate(Path fs0, Path out, String prefix, Map<String, byte[]> extra) {
        return write(fs0, out, prefix, extra, true);
    }

    private static int write(Path fs0, Path out, String prefix, Map<String, byte[]> extra, boolean ownerOnly) {
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        int count;
        try {
            Files.createDirectories(out.toAbsolutePath().getParent());
            if (ownerOnly) {
                Files.deleteIfExists(tmp);
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                count = write(fs0, os, prefix, extra);
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return count;
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // The failure below is what matters.
            }
            throw new UncheckedIOException("Could not write the initrd " + out + " from " + fs0 + ": "
                    + e.getMessage(), e);
        }
    }

    static int write(Path fs0, OutputStream os, String prefix) throws IOException {
        return write(fs0, os, prefix, Map.of());
    }

    static int write(Path fs0, OutputStream os, String prefix, Map<String, byte[]> extra) throws IOException {
        // Sorted by path as fs0's own files are, so an extra entry lands where a file of its name would.
        TreeMap<Path, byte[]> entries = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(fs0)) {
            walk.filter(p -> !p.equals(fs0)).forEach(p -> entries.put(p, null));
        }
        extra.forEach((rel, bytes) -> entries.put(fs0.resolve(rel), bytes));
        String base = prefix == null || prefix.isEmpty() ? "" : prefix.replaceAll("/+$", "") + "/";
        int inode = 1;
        try (CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(os, CpioConstants.FORMAT_NEW)) {
            if (!base.isEmpty()) {
                for (String dir : parents(base)) {
                    put(cpio, dir, null, inode++);
                }
            }
            for (Map.Entry<Path, byte[]> e : entries.entrySet()) {
                Path p = e.getKey();
                String rel = fs0.relativize(p).toString().replace('\\', '/');
                if (e.getValue() != null) {
                    putPrivate(cpio, base + rel, e.getValue(), inode++);
                    continue;
                }
                if (Files.isSymbolicLink(p)) {
                    throw new IOException(p + " is a symbolic link, which Unikraft's initrd cannot hold");
                }
                put(cpio, base + rel, Files.isDirectory(p) ? null : p, inode++);
            }
            cpio.finish();
        }
        return inode - 1;
    }

    /** "a/b/" gives ["a", "a/b"]. */
    private static List<String> parents(String base) {
        List<String> out = new java.util.ArrayList<>();
        String[] parts = base.split("/");
        StringBuilder sb = new StringBuilder();
        for (String part : parts) {
            if (part.isEmpty()) {
                continue;
            }
            sb.append(sb.length() == 0 ? "" : "/").append(part);
            out.add(sb.toString());
        }
        return out;
    }

    /** Owner-only in the guest too (the wrapper runs as its root user, or on Unikraft as the only one). */
    private static void putPrivate(CpioArchiveOutputStream cpio, String name, byte[] data, int inode) throws IOException {
        CpioArchiveEntry e = entry(name, inode);
        e.setMode(CpioConstants.C_ISREG | 0600);
        e.setNumberOfLinks(1);
        e.setSize(data.length);
        cpio.putArchiveEntry(e);
        cpio.write(data);
        cpio.closeArchiveEntry();
    }

    private static CpioArchiveEntry entry(String name, int inode) {
        CpioArchiveEntry e = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, name);
        e.setInode(inode);
        e.setUID(0);
        e.setGID(0);
        e.setTime(MTIME);
        e.setDeviceMaj(0);
        e.setDeviceMin(0);
        return e;
    }

    private static void put(CpioArchiveOutputStream cpio, String name, Path file, int inode) throws IOException {
        CpioArchiveEntry e = entry(name, inode);
        if (file == null) {
            e.setMode(CpioConstants.C_ISDIR | 0755);
            e.setNumberOfLinks(2);
            cpio.putArchiveEntry(e);
        } else {
            e.setMode(CpioConstants.C_ISREG | 0644);
            e.setNumberOfLinks(1);
            e.setSize(Files.size(file));
            cpio.putArchiveEntry(e);
            Files.copy(file, cpio);
        }
        cpio.closeArchiveEntry();
    }
}
