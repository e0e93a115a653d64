package io.github.unikernelfaas.kernel;

import io.github.unikernelfaas.host.CacheLock;
import io.github.unikernelfaas.host.Digests;
import io.github.unikernelfaas.vm.KernelBundle;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * A kernel bundle as one file, so that a kernel built once can be published (a Maven artifact, an OCI blob) and
 * resolved by every developer and CI runner without a C toolchain. The zip holds the bundle's files flat and its
 * {@value KernelBundle#FILE}; entries are sorted and dated at a fixed instant, so the same bundle gives the same
 * bytes. Unpacking verifies the zip's sha256 and lands in a cache directory named by it, whole or not at all.
 */
public final class KernelBundleZip {
    /** 2000-01-01: zip's DOS dates cannot hold the epoch, and a fixed date keeps the bytes reproducible. */
    private static final FileTime FIXED = FileTime.fromMillis(946_684_800_000L);

    private KernelBundleZip() {
    }

    /**
     * Writes {@code zip} from the files (name in the bundle → file) and the bundle's properties, which must
     * name its kernel among the files. The zip is written beside and renamed, so a reader never sees half.
     */
    public static void write(Path zip, Map<String, Path> files, Map<String, String> properties) {
        if (!files.containsKey(properties.get("kernel"))) {
            throw new IllegalArgumentException("the properties' kernel=" + properties.get("kernel")
                    + " is not among the files " + files.keySet());
        }
        Map<String, byte[]> entries = new TreeMap<>();
        try {
            for (Map.Entry<String, Path> f : files.entrySet()) {
                if (f.getKey().contains("/") || f.getKey().equals(KernelBundle.FILE)) {
                    throw new IllegalArgumentException("not a bundle file name: " + f.getKey());
                }
                entries.put(f.getKey(), Files.readAllBytes(f.getValue()));
            }
            entries.put(KernelBundle.FILE, propertiesBytes(properties));
            Files.createDirectories(zip.toAbsolutePath().getParent());
            Path tmp = zip.resolveSibling(zip.getFileName() + ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp);
                    ZipArchiveOutputStream z = new ZipArchiveOutputStream(out)) {
                for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                    ZipArchiveEntry entry = new ZipArchiveEntry(e.getKey());
                    entry.setLastModifiedTime(FIXED);
                    entry.setUnixMode(0100644);
                    z.putArchiveEntry(entry);
                    z.write(e.getValue());
                    z.closeArchiveEntry();
                }
            }
            Files.move(tmp, zip, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the kernel bundle " + zip, e);
        }
    }

    /** Sorted {@code key=value} lines without Properties' date comment, so that the bytes depend on the values only. */
    private static byte[] propertiesBytes(Map<String, String> properties) throws IOException {
        StringBuilder out = new StringBuilder("# unikernel-faas kernel bundle\n");
        for (Map.Entry<String, String> e : new TreeMap<>(properties).entrySet()) {
            Properties one = new Properties();
            one.setProperty(e.getKey(), e.getValue());
            StringWriter w = new StringWriter();
            one.store(w, null);
            w.toString().lines().filter(l -> !l.startsWith("#")).forEach(l -> out.append(l).append('\n'));
        }
        return out.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * The bundle directory of {@code zip} under {@code cacheRoot}: {@code <cacheRoot>/<sha256>/}, unpacked on
     * first use (in a temp directory renamed into place under the entry's lock), reused after. A zip whose
     * digest is not {@code expectedSha256} (when given) is refused before anything is written.
     */
    public static Path unpack(Path zip, String expectedSha256, Path cacheRoot, Consumer<String> log)
            throws InterruptedException {
        String sha;
        try {
            sha = Digests.sha256(zip);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the kernel bundle " + zip, e);
        }
        if (expectedSha256 != null && !expectedSha256.equalsIgnoreCase(sha)) {
            throw new KernelBuildException("The kernel bundle " + zip + " has sha256 " + sha + ", not the expected "
                    + expectedSha256 + ": it is not the bundle that was published. Fetch it again or fix the"
                    + " digest").setting("unikernel.kernel");
        }
        Path dir = cacheRoot.resolve(sha);
        if (Files.isRegularFile(dir.resolve(KernelBundle.FILE))) {
            return dir;
        }
        try (CacheLock lock = CacheLock.acquire(cacheRoot.resolve(sha + ".lock"), Duration.ofMinutes(5),
                "unpacking kernel bundle " + sha.substring(0, 12), log)) {
            if (Files.isRegularFile(dir.resolve(KernelBundle.FILE))) {
                return dir;
            }
            Path tmp = cacheRoot.resolve(sha + ".tmp");
            io.github.unikernelfaas.host.Trees.delete(tmp);
            io.github.unikernelfaas.host.Trees.delete(dir); // an entry without its properties is a leftover, not a bundle
            Files.createDirectories(tmp);
            try (ZipFile z = ZipFile.builder().setPath(zip).get()) {
                for (ZipArchiveEntry e : java.util.Collections.list(z.getEntries())) {
                    String name = e.getName();
                    if (e.isDirectory() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
                        throw new KernelBuildException("The kernel bundle " + zip + " holds '" + name
                                + "': a bundle holds plain files only. It was not made by unikernel:kernel-bundle")
                                .setting("unikernel.kernel");
                    }
                    try (InputStream in = z.getInputStream(e)) {
                        Files.copy(in, tmp.resolve(name));
                    }
                }
            }
            if (!Files.isRegularFile(tmp.resolve(KernelBundle.FILE))) {
                io.github.unikernelfaas.host.Trees.delete(tmp);
                throw new KernelBuildException("The zip " + zip + " holds no " + KernelBundle.FILE
                        + ": it is no kernel bundle").setting("unikernel.kernel");
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir);
            }
            log.accept("Kernel bundle unpacked into " + dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not unpack the kernel bundle " + zip + " into " + cacheRoot, e);
        }
    }
}
