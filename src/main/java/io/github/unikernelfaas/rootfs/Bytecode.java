package io.github.unikernelfaas.rootfs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.unikernelfaas.host.CacheLock;
import io.github.unikernelfaas.host.ProcessRunner;
import io.github.unikernelfaas.host.ProcessTimeoutException;
import io.github.unikernelfaas.host.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Ships fs0's Python as bytecode for the guest's CPython: fs0 is a read-only share or an initrd, so a guest
 * without .pyc compiles every module it imports from source at every boot. The .pyc come from a CPython of
 * the guest's version on the host ({@link GuestPython}); they are unchecked-hash .pyc (PEP 552) compiled with
 * a fixed hash seed under the guest's paths, so the same sources give the same bytes.
 * <ul>
 * <li>The app and site-packages get {@code __pycache__/<name>.cpython-37.pyc} beside their sources (PEP 3147):
 * tracebacks still quote the user's lines, and a guest of another Python version (the CI test guest) ignores
 * them.</li>
 * <li>The standard library is shipped sourceless ({@code json/__init__.pyc} instead of {@code .py}): the
 * same size budget could not hold both. It is the same for every function, so it is compiled once per
 * machine and cached under a key over its sources and the compiler.</li>
 * </ul>
 */
public final class Bytecode {
    static final String SCRIPT = "compile_pyc.py";
    static final String COMPLETE = ".complete";
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final Duration LOCK_TIMEOUT = Duration.ofMinutes(10);
    private static final int OUTPUT_LIMIT = 4 << 20;

    /** What a compile did: how many .pyc it wrote and which files did not compile (they stay source only). */
    public record Result(int compiled, List<String> failed) {
    }

    private Bytecode() {
    }

    /** Writes {@code __pycache__/*.pyc} beside every .py under {@code dir}, which the guest sees at {@code guestDir}. */
    public static Result compileBeside(Path guestPython, Path dir, String guestDir) {
        if (!Files.isDirectory(dir)) {
            return new Result(0, List.of());
        }
        return run(guestPython, dir, dir, guestDir, "beside", List.of());
    }

    /**
     * Replaces the standard library's .py in fs0's Python home by .pyc (the app and site-packages are left
     * alone), from the cache when it has them for these sources and this compiler.
     *
     * @param cacheDir unikernel.cacheDir/bytecode
     */
    public static Result stdlibSourceless(Path guestPython, Fs0Layout fs0, Path cacheDir, Consumer<String> log)
            throws InterruptedException {
        Path home = fs0.pythonHome();
        List<String> skip = List.of(fs0.app().getFileName().toString(), fs0.sitePackages().getFileName().toString());
        String key = key(guestPython, home, skip);
        Path entry = cacheDir.resolve("stdlib-" + key);
        try (CacheLock lock = CacheLock.acquire(cacheDir.resolve("stdlib-" + key + ".lock"), LOCK_TIMEOUT,
                "compiling the standard library", log)) {
            List<String> pycs = cached(entry);
            if (pycs == null) {
                log.accept("Compiling the standard library to .pyc with " + guestPython + " (once per machine)");
                pycs = compileEntry(guestPython, home, "/" + fs0.pythonLib(), skip, entry);
            }
            for (String rel : pycs) {
                Path pyc = home.resolve(rel);
                Files.createDirectories(pyc.getParent());
                Files.copy(entry.resolve(rel), pyc, StandardCopyOption.REPLACE_EXISTING);
                Files.delete(home.resolve(rel.substring(0, rel.length() - 1)));
            }
            List<String> failed = Files.readAllLines(entry.resolve(COMPLETE), StandardCharsets.UTF_8).stream()
                    .filter(l -> l.startsWith("failed ")).map(l -> l.substring("failed ".length())).toList();
            return new Result(pycs.size(), failed);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not put the standard library's .pyc into " + home + ": "
                    + e.getMessage(), e);
        }
    }

    /** The .pyc of a complete, intact cache entry (relative paths), or null when it must be compiled (again). */
    static List<String> cached(Path entry) throws IOException {
        Path marker = entry.resolve(COMPLETE);
        if (!Files.isRegularFile(marker)) {
            return null;
        }
        List<String> pycs = new ArrayList<>();
        for (String line : Files.readAllLines(marker, StandardCharsets.UTF_8)) {
            if (line.startsWith("pyc ")) {
                int space = line.indexOf(' ', 4);
                String rel = line.substring(space + 1);
                long size = Long.parseLong(line.substring(4, space));
                Path p = entry.resolve(rel);
                if (!Files.isRegularFile(p) || Files.size(p) != size) {
                    return null; // damaged: compiled again
                }
                pycs.add(rel);
            }
        }
        return pycs;
    }

    /** Compiles into a temp dir, checks every .pyc is there, writes the list, renames into place. */
    private static List<String> compileEntry(Path guestPython, Path home, String guestDir, List<String> skip,
            Path entry)
            throws IOException {
        Files.createDirectories(entry.getParent());
        Path tmp = Files.createTempDirectory(entry.getParent(), entry.getFileName() + ".tmp-");
        try {
            Result r = run(guestPython, home, tmp, guestDir, "sourceless", skip);
            List<String> pycs;
            try (Stream<Path> files = Files.walk(tmp)) {
                pycs = files.filter(Files::isRegularFile).map(p -> tmp.relativize(p).toString().replace('\\', '/'))
                        .sorted().toList();
            }
            if (pycs.size() != r.compiled()) {
                throw new IOException("the compiler reported " + r.compiled() + " .pyc but wrote " + pycs.size());
            }
            StringBuilder marker = new StringBuilder();
            for (String rel : pycs) {
                if (!Files.isRegularFile(home.resolve(rel.substring(0, rel.length() - 1)))) {
                    throw new IOException(rel + " has no source in " + home);
                }
                marker.append("pyc ").append(Files.size(tmp.resolve(rel))).append(' ').append(rel).append('\n');
            }
            r.failed().forEach(f -> marker.append("failed ").append(f).append('\n'));
            Files.writeString(tmp.resolve(COMPLETE), marker);
            Trees.delete(entry); // a damaged entry
            Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE);
            return pycs;
        } finally {
            Trees.delete(tmp);
        }
    }

    /** Over the sources (paths and contents), the compiler's version and magic number, and our script. */
    static String key(Path guestPython, Path home, List<String> skip) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(script());
            sha.update(probe(guestPython).getBytes(StandardCharsets.UTF_8));
            List<Path> sources;
            try (Stream<Path> files = Files.walk(home)) {
                sources = files.filter(p -> p.getFileName().toString().endsWith(".py") && Files.isRegularFile(p))
                        .filter(p -> !skip.contains(home.relativize(p).getName(0).toString()))
                        .sorted().toList();
            }
            for (Path p : sources) {
                sha.update(home.relativize(p).toString().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(Files.readAllBytes(p));
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the standard library in " + home, e);
        }
    }

    private static String probe(Path guestPython) {
        ProcessRunner.Result r = exec(List.of(guestPython.toString(), "-c",
                "import sys, importlib.util; print(sys.version); print(importlib.util.MAGIC_NUMBER.hex())"));
        if (r.exitCode() != 0) {
            throw new FunctionException(guestPython + " did not run (exit " + r.exitCode() + "): " + r.stderr().strip());
        }
        return r.stdout();
    }

    private static byte[] script() throws IOException {
        try (InputStream in = Bytecode.class.getResourceAsStream(SCRIPT)) {
            return in.readAllBytes();
        }
    }

    private static Result run(Path guestPython, Path src, Path out, String guestDir, String layout, List<String> skip) {
        Path script = null;
        try {
            script = Files.createTempFile("unikernel-faas-compile", ".py");
            Files.write(script, script());
            List<String> command = new ArrayList<>(List.of(guestPython.toString(), "-s", "-B", script.toString(),
                    src.toString(), out.toString(), guestDir, layout));
            command.addAll(skip);
            ProcessRunner.Result r = exec(command);
            if (r.exitCode() != 0) {
                throw new FunctionException("Compiling " + src + " to .pyc with " + guestPython + " failed (exit "
                        + r.exitCode() + "):\n" + r.stderr().strip());
            }
            JsonNode json = new ObjectMapper().readTree(r.stdout());
            List<String> failed = new ArrayList<>();
            json.path("failed").forEach(f -> failed.add(f.path("file").asText() + ": " + f.path("error").asText()));
            return new Result(json.path("compiled").asInt(), failed);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not compile " + src + " to .pyc: " + e.getMessage(), e);
        } finally {
            if (script != null) {
                try {
                    Files.deleteIfExists(script);
                } catch (IOException ignored) {
                    // A temp file in the temp dir.
                }
            }
        }
    }

    /** Runs with a fixed hash seed: a set constant's order in the bytecode follows the string hash. */
    private static ProcessRunner.Result exec(List<String> command) {
        try {
            return ProcessRunner.run(command, Map.of("PYTHONHASHSEED", "0"), TIMEOUT, OUTPUT_LIMIT);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (ProcessTimeoutException e) {
            throw new FunctionException("Compiling to .pyc took over " + TIMEOUT.toMinutes() + " min: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FunctionException("Interrupted while compiling to .pyc", e);
        }
    }
}
