package io.github.unikernelfaas.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** An OCI image layout as a directory, to and from its tar form. */
final class OciArchive {
    /** Fixed entry time: the archive depends on its content only. */
    static final long MTIME_MILLIS = 1000L;

    private OciArchive() {
    }

    static void extract(Path tar, Path dir) throws IOException {
        try (InputStream in = Files.newInputStream(tar); TarArchiveInputStream t = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = t.getNextEntry()) != null) {
                Path out = dir.resolve(e.getName()).normalize();
                if (!out.startsWith(dir)) {
                    throw new IOException("OCI archive entry escapes its directory: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else if (e.isFile()) {
                    Files.createDirectories(out.getParent());
                    Files.copy(t, out, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** Writes the layout sorted, root-owned and with fixed times, via a temp file and a rename. */
    static void write(Path dir, Path tar) throws IOException {
        Files.createDirectories(tar.toAbsolutePath().getParent());
        Path tmp = tar.resolveSibling(tar.getFileName() + ".tmp");
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(dir)) {
            entries = walk.filter(p -> !p.equals(dir)).sorted((a, b) -> rel(dir, a).compareTo(rel(dir, b))).toList();
        }
        try (OutputStream out = Files.newOutputStream(tmp); TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Path p : entries) {
                boolean isDir = Files.isDirectory(p);
                TarArchiveEntry e = new TarArchiveEntry(rel(dir, p) + (isDir ? "/" : ""));
                e.setModTime(MTIME_MILLIS);
                e.setIds(0, 0);
                e.setUserName("");
                e.setGroupName("");
                e.setMode(isDir ? 040755 : 0100644);
                if (!isDir) {
                    e.setSize(Files.size(p));
                }
                t.putArchiveEntry(e);
                if (!isDir) {
                    Files.copy(p, t);
                }
                t.closeArchiveEntry();
            }
        }
        Files.move(tmp, tar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String rel(Path dir, Path p) {
        return dir.relativize(p).toString().replace('\\', '/');
    }
}
