package io.github.unikernelfaas.source;

import io.github.unikernelfaas.host.Digests;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.ar.ArArchiveEntry;
import org.apache.commons.compress.archivers.ar.ArArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Extracts tar.gz, tar.xz, tar.bz2 and zip archives and Debian packages with commons-compress, refusing every
 * entry that could write outside the target directory: absolute paths, {@code ..} segments, symbolic links
 * whose target leaves the tree (also through other links in the archive), hard links to anything but a file
 * extracted before, and device or FIFO entries. Files keep the exec bit (0755, else 0644); nothing is
 * stripped unless a {@link PathFilter} drops it.
 *
 * <p>A Debian package ({@code .deb}) is an image of a root file system: its absolute symbolic links (e.g.
 * {@code lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2}) are kept as they are,
 * checked as if the target directory were {@code /}. No dpkg, no root: maintainer scripts do not run, owners
 * and setuid bits are not kept.
 */
public final class ArchiveExtractor {
    private static final int MAX_LINK_DEPTH = 40;
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> EXEC_MODE = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-r--r--");

    private ArchiveExtractor() {
    }

    /**
     * What an extraction produced.
     *
     * @param topDir     the archive's single top-level directory, or {@code ""} when it has none
     * @param treeSha256 the {@link TreeDigest} of the tree below {@code topDir}
     */
    public record Extracted(String topDir, String treeSha256) {
    }

    /**
     * Extracts {@code archive} into {@code target}, an empty directory. Throws {@link SourceException} for an
     * unsafe entry and {@link IOException} for an unreadable (corrupt, truncated) archive.
     */
    public static Extracted extract(Path archive, ArchiveType type, Path target) throws IOException {
        return extract(archive, type, target, PathFilter.NONE);
    }

    /**
     * Extracts {@code archive} into {@code target}, an empty directory, leaving out what {@code drop} matches
     * (paths relative to the archive's root, before any top-level directory is taken off). A Debian package
     * has no top-level directory: its {@code topDir} is always {@code ""}.
     */
    public static Extracted extract(Path archive, ArchiveType type, Path target, PathFilter drop)
            throws IOException {
        Files.createDirectories(target);
        Extraction x = new Extraction(archive, target, drop, type == ArchiveType.DEB);
        x.run(type);
        String top = type == ArchiveType.DEB ? "" : singleTopDirectory(target);
        return new Extracted(top, x.digest.digest(top));
    }

    /** The name of the single directory in {@code dir}, or {@code ""} when it holds anything else. */
    static String singleTopDirectory(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> children = s.toList();
            if (children.size() == 1 && Files.isDirectory(children.get(0), LinkOption.NOFOLLOW_LINKS)) {
                return children.get(0).getFileName().toString();
            }
            return "";
        }
    }

    /** The first path segments of all entries (to check an archive's top-level directory without extracting). */
    public static Set<String> topLevelNames(Path archive, ArchiveType type) throws IOException {
        Set<String> names = new LinkedHashSet<>();
        forEachEntry(archive, type, (entry, content) -> {
            List<String> parts = safeParts(archive, entry.name);
            if (!parts.isEmpty()) {
                names.add(parts.get(0));
            }
        });
        return names;
    }

    /** The kinds of entry we know. */
    private enum Kind {
        DIR, FILE, SYMLINK, HARDLINK, OTHER
    }

    private record Entry(String name, Kind kind, boolean executable, String linkTarget) {
    }

    @FunctionalInterface
    private interface EntryHandler {
        void accept(Entry entry, InputStream content) throws IOException;
    }

    private static void forEachEntry(Path archive, ArchiveType type, EntryHandler handler) throws IOException {
        if (type == ArchiveType.ZIP) {
            try (ZipFile zip = ZipFile.builder().setPath(archive).setCharset("UTF-8").get()) {
                Enumeration<ZipArchiveEntry> entries = zip.getEntriesInPhysicalOrder();
                while (entries.hasMoreElements()) {
                    ZipArchiveEntry e = entries.nextElement();
                    if (e.isUnixSymlink()) {
                        handler.accept(new Entry(e.getName(), Kind.SYMLINK, false, zip.getUnixSymlink(e)), null);
                    } else if (e.isDirectory()) {
                        handler.accept(new Entry(e.getName(), Kind.DIR, false, null), null);
                    } else {
                        int mode = e.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX ? e.getUnixMode() : 0;
                        int fileType = mode & 0170000;
                        Kind kind = fileType == 0 || fileType == 0100000 ? Kind.FILE : Kind.OTHER;
                        try (InputStream in = zip.getInputStream(e)) {
                            handler.accept(new Entry(e.getName(), kind, (mode & 0100) != 0, null), in);
                        }
                    }
                }
            }
            return;
        }
        if (type == ArchiveType.DEB) {
            try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
                    ArArchiveInputStream ar = new ArArchiveInputStream(raw)) {
                forEachTarEntry(debData(archive, ar), handler);
            }
            return;
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
                InputStream decompressed = decompressor(raw, type)) {
            forEachTarEntry(decompressed, handler);
        }
    }

    /**
     * Positions {@code ar} at the package's {@code data.tar.*} member and returns it decompressed. The members
     * are {@code debian-binary} (format 2.x), {@code control.tar.*}, {@code data.tar.*}, in that order.
     */
    private static InputStream debData(Path archive, ArArchiveInputStream ar) throws IOException {
        ArArchiveEntry e;
        try {
            e = ar.getNextEntry();
        } catch (IOException notAr) {
            throw new IOException("not a Debian package (no ar archive: " + notAr.getMessage() + ")", notAr);
        }
        if (e == null || !memberName(e).equals("debian-binary")) {
            throw new IOException("not a Debian package: the ar archive does not start with debian-binary");
        }
        String version = new String(ar.readNBytes(16), java.nio.charset.StandardCharsets.US_ASCII).trim();
        if (!version.startsWith("2.")) {
            throw new IOException("unsupported Debian package format '" + version + "' (2.x expected)");
        }
        while ((e = ar.getNextEntry()) != null) {
            String name = memberName(e);
            if (!name.startsWith("data.tar")) {
                continue;
            }
            InputStream member = new BufferedInputStream(ar, 1 << 16);
            switch (name) {
                case "data.tar":
                    return member;
                case "data.tar.xz":
                    return new XZCompressorInputStream(member, true);
                case "data.tar.gz":
                    return new GzipCompressorInputStream(member, true);
                case "data.tar.bz2":
                    return new BZip2CompressorInputStream(member, true);
                default:
                    // Debian bookworm's packages use xz; zstd (Ubuntu) would need zstd-jni on the classpath.
                    throw new SourceException("Cannot extract " + archive.getFileName() + ": its files are in "
                            + name + ", a compression not supported here (supported: data.tar, data.tar.xz,"
                            + " data.tar.gz, data.tar.bz2). Use a package from the Debian archive.");
            }
        }
        throw new IOException("not a Debian package: no data.tar member");
    }

    private static String memberName(ArArchiveEntry e) {
        String name = e.getName();
        return name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    }

    private static void forEachTarEntry(InputStream decompressed, EntryHandler handler) throws IOException {
        // Not closed here: the caller closes the stream below it.
        TarArchiveInputStream tar = new TarArchiveInputStream(decompressed, "UTF-8");
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
            if (e.isGlobalPaxHeader() || e.isPaxHeader()) {
                continue;
            }
            Kind kind;
            if (e.isSymbolicLink()) {
                kind = Kind.SYMLINK;
            } else if (e.isLink()) {
                kind = Kind.HARDLINK;
            } else if (e.isDirectory()) {
                kind = Kind.DIR;
            } else if (e.isFile()) {
                kind = Kind.FILE;
            } else {
                kind = Kind.OTHER;
            }
            handler.accept(new Entry(e.getName(), kind, (e.getMode() & 0100) != 0, e.getLinkName()), tar);
        }
    }

    private static InputStream decompressor(InputStream raw, ArchiveType type) throws IOException {
        switch (type) {
            case TAR_GZ:
                return new GzipCompressorInputStream(raw, true);
            case TAR_XZ:
                return new XZCompressorInputStream(raw, true);
            case TAR_BZ2:
                return new BZip2CompressorInputStream(raw, true);
            default:
                throw new IllegalArgumentException(type.toString());
        }
    }

    /** The path segments of an entry name; refuses absolute names and {@code ..}. Empty for the root. */
    private static List<String> safeParts(Path archive, String name) {
        if (name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0) {
            throw unsafe(archive, name, "contains a NUL or backslash");
        }
        if (name.startsWith("/") || name.matches("^[A-Za-z]:.*")) {
            throw unsafe(archive, name, "is an absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw unsafe(archive, name, "contains '..'");
            }
            parts.add(part);
        }
        return parts;
    }

    private static SourceException unsafe(Path archive, String name, String why) {
        return new SourceException("Refusing to extract " + archive.getFileName() + ": entry '" + name + "' " + why
                + " and would escape the target directory. The archive is damaged or malicious; it was not used.");
    }

    private static String join(List<String> parts) {
        return String.join("/", parts);
    }

    /** One extraction: files and directories first, symbolic links last, each checked against the tree. */
    private static final class Extraction {
        private final Path archive;
        private final Path target;
        private final Map<String, Kind> written = new HashMap<>();
        private final Map<String, String> links = new LinkedHashMap<>();
        private final TreeDigest digest = new TreeDigest();
        private final boolean posix;

        private final PathFilter drop;
        private final boolean rootImage;

        /**
         * @param rootImage the archive is a root file system (a Debian package): absolute symbolic links are
         *                  kept and resolved against the target as if it were {@code /}
         */
        Extraction(Path archive, Path target, PathFilter drop, boolean rootImage) {
            this.archive = archive;
            this.drop = drop;
            this.rootImage = rootImage;
            this.target = target.toAbsolutePath().normalize();
            this.posix = target.getFileSystem().supportedFileAttributeViews().contains("posix");
        }

        void run(ArchiveType type) throws IOException {
            forEachEntry(archive, type, this::entry);
            for (Map.Entry<String, String> link : links.entrySet()) {
                createLink(link.getKey(), link.getValue());
            }
        }

        private void entry(Entry e, InputStream content) throws IOException {
            List<String> parts = safeParts(archive, e.name());
            if (parts.isEmpty()) {
                return;
            }
            String rel = join(parts);
            if (drop.drops(rel)) {
                return;
            }
            if (links.containsKey(rel) && e.kind() != Kind.SYMLINK) {
                throw unsafe(archive, e.name(), "replaces a symbolic link");
            }
            requireNoLinkAbove(parts, e.name());
            Path path = resolve(parts);
            switch (e.kind()) {
                case DIR:
                    mkdirs(path);
                    written.put(rel, Kind.DIR);
                    break;
                case FILE:
                    mkdirs(path.getParent());
                    if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                        throw unsafe(archive, e.name(), "is both a directory and a file");
                    }
                    DigestInputStream hashing = new DigestInputStream(content, Digests.sha256());
                    Files.copy(hashing, path, StandardCopyOption.REPLACE_EXISTING);
                    setMode(path, e.executable());
                    written.put(rel, Kind.FILE);
                    digest.file(rel, e.executable(), Digests.hex(hashing.getMessageDigest().digest()));
                    break;
                case HARDLINK: {
                    List<String> to = safeParts(archive, e.linkTarget() == null ? "" : e.linkTarget());
                    if (drop.drops(join(to))) {
                        throw new SourceException("Cannot extract " + archive.getFileName() + ": '" + e.name()
                                + "' is a hard link to '" + e.linkTarget() + "', which the drop patterns " + drop
                                + " leave out. Drop both paths or neither.");
                    }
                    if (written.get(join(to)) != Kind.FILE) {
                        throw unsafe(archive, e.name(), "is a hard link to '" + e.linkTarget()
                                + "', which is not a file extracted before it");
                    }
                    mkdirs(path.getParent());
                    Files.copy(resolve(to), path, StandardCopyOption.REPLACE_EXISTING);
                    setMode(path, e.executable());
                    written.put(rel, Kind.FILE);
                    digest.file(rel, e.executable(), digest.contentOf(join(to)));
                    break;
                }
                case SYMLINK:
                    if (written.containsKey(rel)) {
                        throw unsafe(archive, e.name(), "replaces an extracted file or directory with a link");
                    }
                    String linkTarget = e.linkTarget();
                    if (linkTarget == null || linkTarget.isEmpty()) {
                        throw unsafe(archive, e.name(), "is a symbolic link without a target");
                    }
                    links.put(rel, linkTarget);
                    digest.link(rel, linkTarget);
                    break;
                default:
                    throw new SourceException("Refusing to extract " + archive.getFileName() + ": entry '" + e.name()
                            + "' is a device, FIFO or other special file");
            }
        }

        private void createLink(String rel, String linkTarget) throws IOException {
            if ((linkTarget.startsWith("/") && !rootImage) || linkTarget.indexOf('\0') >= 0
                    || linkTarget.indexOf('\\') >= 0) {
                throw unsafe(archive, rel, "is a symbolic link to '" + linkTarget + "' (absolute)");
            }
            List<String> parts = List.of(rel.split("/"));
            resolveInside(parts.subList(0, parts.size() - 1), linkTarget, rel, 0);
            requireNoLinkAbove(parts, rel);
            Path path = resolve(parts);
            mkdirs(path.getParent());
            if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                throw unsafe(archive, rel, "is both a symbolic link and a file or directory");
            }
            Files.createSymbolicLink(path, Paths.get(linkTarget));
        }

        /**
         * Follows {@code linkTarget} from directory {@code base} segment by segment, substituting links of
         * this archive as a kernel would, and fails as soon as the walk leaves the tree.
         */
        private List<String> resolveInside(List<String> base, String linkTarget, String link, int depth) {
            if (depth > MAX_LINK_DEPTH) {
                throw unsafe(archive, link, "is part of a symbolic link loop");
            }
            List<String> stack = new ArrayList<>(base);
            if (linkTarget.startsWith("/")) {
                if (!rootImage) {
                    throw unsafe(archive, link, "leads to an absolute symbolic link target '" + linkTarget + "'");
                }
                stack.clear(); // the target directory is the image's root
            }
            for (String part : linkTarget.split("/")) {
                if (part.isEmpty() || part.equals(".")) {
                    continue;
                }
                if (part.equals("..")) {
                    if (stack.isEmpty()) {
                        throw unsafe(archive, link, "is a symbolic link pointing outside the target ('"
                                + linkTarget + "')");
                    }
                    stack.remove(stack.size() - 1);
                    continue;
                }
                stack.add(part);
                String inner = links.get(join(stack));
                if (inner != null) {
                    stack = resolveInside(stack.subList(0, stack.size() - 1), inner, link, depth + 1);
                }
            }
            return stack;
        }

        /** No existing parent of an entry may be a symbolic link (else writes would go where it points). */
        private void requireNoLinkAbove(List<String> parts, String name) {
            Path p = target;
            for (int i = 0; i < parts.size() - 1; i++) {
                p = p.resolve(parts.get(i));
                if (Files.isSymbolicLink(p) || links.containsKey(join(parts.subList(0, i + 1)))) {
                    throw unsafe(archive, name, "lies below the symbolic link '" + join(parts.subList(0, i + 1)) + "'");
                }
            }
        }

        private Path resolve(List<String> parts) {
            Path p = target;
            for (String part : parts) {
                p = p.resolve(part);
            }
            if (!p.normalize().startsWith(target)) {
                throw unsafe(archive, join(parts), "resolves outside the target");
            }
            return p;
        }

        private void mkdirs(Path dir) throws IOException {
            if (dir == null || Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(dir.toString(), null, "a file is in the way of a directory");
            }
            mkdirs(dir.getParent());
            Files.createDirectory(dir);
            if (posix) {
                Files.setPosixFilePermissions(dir, DIR_MODE);
            }
        }

        private void setMode(Path file, boolean executable) throws IOException {
            if (posix) {
                Files.setPosixFilePermissions(file, executable ? EXEC_MODE : FILE_MODE);
            } else if (executable) {
                file.toFile().setExecutable(true);
            }
        }
    }
}
