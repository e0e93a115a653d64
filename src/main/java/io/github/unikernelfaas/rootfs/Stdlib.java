package io.github.unikernelfaas.rootfs;

import io.github.unikernelfaas.host.Trees;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Puts CPython's standard library into fs0's Python home (the flavour's lib dir), from the same source archive the
 * kernel is built from, without test suites and GUI/packaging tools the unikernel cannot use.
 */
public final class Stdlib {
    /**
     * Top-level directories of Lib/ left out: test suites, GUI and packaging tools, packages whose C part the
     * unikernel's CPython lacks (ctypes, curses, sqlite3, msilib: importing them fails either way), and
     * pydoc_data (help()'s topic texts; pydoc copes without it). The last ones keep the image within 5 MiB
     * with the standard library as .pyc (Bytecode).
     */
    static final Set<String> LEFT_OUT = Set.of("test", "idlelib", "tkinter", "turtledemo", "ensurepip",
            "site-packages", "ctypes", "curses", "sqlite3", "msilib", "pydoc_data");
    /** Directory names left out anywhere (the packages' own test suites). */
    static final Set<String> TEST_DIRS = Set.of("test", "tests", "idle_test");
    static final String SYSCONFIGDATA = "_sysconfigdata.py";

    private Stdlib() {
    }

    /**
     * @param pythonArchive the CPython source archive (Python-X.Y.Z.tgz)
     * @param libPython3    lib-python3's tree, which holds the guest's _sysconfigdata.py
     * @return the number of files written
     */
    public static int install(Path pythonArchive, Path libPython3, Fs0Layout fs0) {
        Path target = fs0.pythonHome();
        int count = 0;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(pythonArchive));
                TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(raw))) {
            remove(fs0);
            Files.createDirectories(target);
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String rel = libRelative(e.getName());
                if (rel == null || !e.isFile() || !wanted(rel)) {
                    continue;
                }
                Path out = target.resolve(rel).normalize();
                if (!out.startsWith(target)) {
                    throw new UncheckedIOException(new IOException("Archive entry escapes the target: " + e.getName()));
                }
                Files.createDirectories(out.getParent());
                Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                count++;
            }
            Path sysconfig = libPython3.resolve(SYSCONFIGDATA);
            if (Files.isRegularFile(sysconfig)) {
                Files.copy(sysconfig, target.resolve(SYSCONFIGDATA), StandardCopyOption.REPLACE_EXISTING);
                count++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not install the Python standard library from " + pythonArchive
                    + ": " + e.getMessage(), e);
        }
        if (count == 0) {
            throw new UncheckedIOException(new IOException(pythonArchive + " holds no Python-*/Lib/ directory"));
        }
        return count;
    }

    /** "Python-X.Y.Z/Lib/json/__init__.py" -> "json/__init__.py"; null outside Lib/. */
    static String libRelative(String entry) {
        String name = entry.startsWith("./") ? entry.substring(2) : entry;
        int slash = name.indexOf('/');
        if (slash < 0 || !name.startsWith("Lib/", slash + 1)) {
            return null;
        }
        String rel = name.substring(slash + 1 + "Lib/".length());
        return rel.isEmpty() || rel.contains("..") ? null : rel;
    }

    static boolean wanted(String rel) {
        String[] parts = rel.split("/");
        if (parts.length > 1 && LEFT_OUT.contains(parts[0])) {
            return false;
        }
        for (int i = 0; i < parts.length - 1; i++) {
            if (TEST_DIRS.contains(parts[i]) || parts[i].equals("__pycache__")) {
                return false;
            }
        }
        return !rel.endsWith(".pyc") && !rel.endsWith(".exe");
    }

    /**
     * Removes a standard library an earlier build put into fs0 (another kernel, another unikernel.stdlib) but
     * keeps the app and site-packages, which others own.
     *
     * @return whether there was one
     */
    public static boolean remove(Fs0Layout fs0) {
        Path lib = fs0.pythonHome();
        if (!Files.isDirectory(lib)) {
            return false;
        }
        boolean removed = false;
        try (var children = Files.list(lib)) {
            for (Path p : children.toList()) {
                if (!p.equals(fs0.app()) && !p.equals(fs0.sitePackages())) {
                    Trees.delete(p);
                    removed = true;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not remove the standard library from " + lib + ": "
                    + e.getMessage(), e);
        }
        return removed;
    }
}
