package io.github.unikernelfaas.rootfs;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
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
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        int count;
        try {
            Files.createDirectories(out.toAbsolutePath().getParent());
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                count = write(fs0, os, prefix);
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
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(fs0)) {
            paths = walk.filter(p -> !p.equals(fs0)).sorted().toList();
        }
        String base = prefix == null || prefix.isEmpty() ? "" : prefix.replaceAll("/+$", "") + "/";
        int inode = 1;
        try (CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(os, CpioConstants.FORMAT_NEW)) {
            if (!base.isEmpty()) {
                for (String dir : parents(base)) {
                    put(cpio, dir, null, inode++);
                }
            }
            for (Path p : paths) {
                if (Files.isSymbolicLink(p)) {
                    throw new IOException(p + " is a symbolic link, which Unikraft's initrd cannot hold");
                }
                String rel = fs0.relativize(p).toString().replace('\\', '/');
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

    private static void put(CpioArchiveOutputStream cpio, String name, Path file, int inode) throws IOException {
        CpioArchiveEntry e = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, name);
        e.setInode(inode);
        e.setUID(0);
        e.setGID(0);
        e.setTime(MTIME);
        e.setDeviceMaj(0);
        e.setDeviceMin(0);
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
