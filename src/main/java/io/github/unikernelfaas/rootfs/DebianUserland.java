package io.github.unikernelfaas.rootfs;

import io.github.unikernelfaas.host.Digests;
import io.github.unikernelfaas.source.ArchiveExtractor;
import io.github.unikernelfaas.source.ArchiveType;
import io.github.unikernelfaas.source.SourceException;
import io.github.unikernelfaas.source.SourceSet;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Assembles a userland (the future fs0's {@code /usr}, {@code /lib}, {@code /lib64}, {@code /etc}) from the
 * flavour's verified Debian packages, as dpkg would unpack them but without dpkg, root or maintainer scripts:
 * each package is extracted (its drop patterns applied) and merged in manifest order. Links stay links (an
 * absolute one means the guest's root). Every file, directory and link gets the same fixed mtime, so equal
 * packages give an equal tree.
 */
public final class DebianUserland {
    /** The fixed modification time of everything in the tree (as {@link Fs0Cpio}'s entries). */
    public static final FileTime MTIME = FileTime.fromMillis(Fs0Cpio.MTIME * 1000);

    private DebianUserland() {
    }

    /**
     * Extracts and merges {@code packages} into {@code target}, which must not exist yet (it is created through a
     * sibling work directory and renamed at the end, so a failure leaves no half tree).
     *
     * @return the number of regular files and links in the tree
     * @throws SourceException when two packages ship different content at one path (naming both), or one
     *                         package's path lies below another's link
     */
    public static int assemble(List<SourceSet.DebPackage> packages, Path target) throws IOException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(target + " already exists: the userland is assembled into a new directory");
        }
        Path work = target.resolveSibling("." + target.getFileName() + ".work");
        io.github.unikernelfaas.host.Trees.delete(work);
        Files.createDirectories(work);
        try {
            Path tree = work.resolve("tree");
            Files.createDirectory(tree);
            Map<String, String> owners = new HashMap<>();
            int n = 0;
            for (SourceSet.DebPackage p : packages) {
                Path unpacked = work.resolve("pkg");
                io.github.unikernelfaas.host.Trees.delete(unpacked);
                ArchiveExtractor.extract(p.file(), ArchiveType.DEB, unpacked, p.drop());
                n += merge(p.id(), unpacked, tree, owners);
            }
            fixTimes(tree);
            Files.createDirectories(target.toAbsolutePath().getParent());
            Files.move(tree, target, StandardCopyOption.ATOMIC_MOVE);
            return n;
        } finally {
            io.github.unikernelfaas.host.Trees.delete(work);
        }
    }

    /** Moves a package's tree into the userland; an identical file shipped twice is fine (as with dpkg's shared files). */
    private static int merge(String id, Path from, Path into, Map<String, String> owners) throws IOException {
        List<Path> entries;
        try (Stream<Path> s = Files.walk(from)) {
            entries = new ArrayList<>(s.skip(1).sorted().toList());
        }
        int n = 0;
        for (Path src : entries) {
            String rel = from.relativize(src).toString();
            Path dst = into.resolve(rel);
            requireRealParents(id, into, rel, owners);
            boolean isDir = Files.isDirectory(src, LinkOption.NOFOLLOW_LINKS);
            if (isDir) {
                if (Files.isDirectory(dst, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (Files.isSymbolicLink(dst)) {
                    throw belowLink(id, rel, rel, owners);
                }
                if (Files.exists(dst, LinkOption.NOFOLLOW_LINKS)) {
                    throw conflict(id, rel, owners.get(rel), "a directory where it has a file");
                }
                Files.createDirectory(dst);
                continue;
            }
            if (Files.exists(dst, LinkOption.NOFOLLOW_LINKS)) {
                if (!same(src, dst)) {
                    throw conflict(id, rel, owners.get(rel), "other content");
                }
                continue;
            }
            if (Files.isSymbolicLink(src)) {
                Files.createSymbolicLink(dst, Files.readSymbolicLink(src));
            } else {
                Files.move(src, dst);
            }
            owners.put(rel, id);
            n++;
        }
        return n;
    }

    private static void requireRealParents(String id, Path root, String rel, Map<String, String> owners) {
        Path p = root;
        Path relPath = Path.of(rel);
        for (int i = 0; i < relPath.getNameCount() - 1; i++) {
            p = p.resolve(relPath.getName(i).toString());
            if (Files.isSymbolicLink(p)) {
                throw belowLink(id, rel, root.relativize(p).toString(), owners);
            }
        }
    }

    private static SourceException belowLink(String id, String rel, String at, Map<String, String> owners) {
        return new SourceException("Debian package " + id + " ships " + rel + (rel.equals(at) ? " as a directory at "
                : " below ") + at + ", a symbolic link of package " + owners.get(at) + ": a merged /usr layout is"
                + " not supported; leave one of the paths out with a drop pattern in the flavour's sources.json");
    }

    private static boolean same(Path a, Path b) throws IOException {
        boolean linkA = Files.isSymbolicLink(a);
        if (linkA != Files.isSymbolicLink(b)) {
            return false;
        }
        if (linkA) {
            return Files.readSymbolicLink(a).equals(Files.readSymbolicLink(b));
        }
        if (Files.isDirectory(b, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        return Files.isExecutable(a) == Files.isExecutable(b) && Digests.sha256(a).equals(Digests.sha256(b));
    }

    private static SourceException conflict(String id, String rel, String owner, String what) {
        return new SourceException("Debian packages " + owner + " and " + id + " both ship " + rel + ", " + id
                + " with " + what + ". Drop the path from one of them (a drop pattern in the flavour's sources.json)"
                + " or remove one package.");
    }

    /** Sets the fixed mtime on everything, links themselves included, directories last. */
    private static void fixTimes(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                setTime(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                setTime(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void setTime(Path p) throws IOException {
        Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setTimes(MTIME, MTIME, null);
    }
}
