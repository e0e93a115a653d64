package io.github.unikernelfaas.rootfs;

import io.github.unikernelfaas.host.CacheLock;
import io.github.unikernelfaas.host.CacheLockException;
import io.github.unikernelfaas.host.Digests;
import io.github.unikernelfaas.host.Tail;
import io.github.unikernelfaas.host.Trees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Installs requirements.txt into fs0's site-packages with the host's pip, for the unikernel's
 * CPython (the flavour's version), which cannot load C extensions: only pure-Python wheels are accepted.
 * Installs are cached by a key over the requirements and the index settings, so an unchanged file costs nothing.
 */
public final class Requirements {
    static final String COMPLETE = ".complete";
    private static final String RECIPE = "3 (markers evaluated for the guest)";
    /** pip's own settings that change what gets installed belong in the cache key. */
    private static final List<String> PIP_ENV = List.of("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS",
            "PIP_NO_INDEX", "PIP_CONSTRAINT");
    /** Those of them that name one location (a path or URL); PIP_FIND_LINKS may list several, kept as text. */
    private static final Set<String> PIP_ENV_LOCATIONS = Set.of("PIP_INDEX_URL", "PIP_CONSTRAINT");
    private static final long PIP_TIMEOUT_MINUTES = 15;
    /** pip's TMPDIR inside an install's work directory. */
    private static final String PIP_TMP = "tmp";
    /** How often a pip run that is still going says so. */
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);

    /** Older than this, another key's pip work directory is a leftover: pip itself times out after 15 min. */
    private static final Duration STALE_WORK = Duration.ofHours(1);
    /**
     * pip runs again with what it left out for the guest's markers, until nothing is missing; a chain of
     * guest-only dependencies longer than this is not met in practice.
     */
    static final int MAX_ROUNDS = 8;
    /** Longer than one pip run may take, so a waiter outlasts a slow install. */
    private static final Duration LOCK_TIMEOUT = Duration.ofMinutes(2 * PIP_TIMEOUT_MINUTES);

    /**
     * @param python        the host python3 (with pip)
     * @param pythonVersion the guest CPython's version pip installs for (--python-version, e.g. 3.7)
     * @param indexUrl    pip --index-url, or null for pip's own setting
     * @param extraArgs   more pip arguments, e.g. --find-links DIR
     * @param offline     Maven offline mode: use the cache only
     * @param environment the environment pip runs in
     * @param markers     the guest's environment markers but the Python versions (the flavour's), see GuestMarkers
     */
    public record Settings(Path python, String pythonVersion, String indexUrl, List<String> extraArgs,
            boolean offline, Map<String, String> environment, Map<String, String> markers) {
        public Settings {
            Objects.requireNonNull(pythonVersion, "pythonVersion");
            extraArgs = extraArgs == null ? List.of() : List.copyOf(extraArgs);
            environment = environment == null ? Map.of() : Map.copyOf(environment);
            markers = markers == null ? Map.of() : Map.copyOf(markers);
        }

        /** A guest whose markers but the Python versions are Linux's. */
        public Settings(Path python, String pythonVersion, String indexUrl, List<String> extraArgs, boolean offline,
                Map<String, String> environment) {
            this(python, pythonVersion, indexUrl, extraArgs, offline, environment, Map.of());
        }
    }

    /** What an install did. */
    public record Outcome(int requirements, boolean fromCache, List<String> packages) {
    }

    private Requirements() {
    }

    /** The requirement lines of the file, without comments and blanks; empty if there is no file. */
    public static List<String> read(Path requirementsTxt) {
        if (!Files.isRegularFile(requirementsTxt)) {
            return List.of();
        }
        try {
            List<String> lines = new ArrayList<>();
            for (String line : Files.readAllLines(requirementsTxt, StandardCharsets.UTF_8)) {
                int hash = line.indexOf('#');
                String s = (hash >= 0 ? line.substring(0, hash) : line).strip();
                if (!s.isEmpty()) {
                    lines.add(s);
                }
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + requirementsTxt, e);
        }
    }

    /** Fills {@code sitePackages} (emptied first) from the cache, installing with pip on a miss. */
    public static Outcome install(Path requirementsTxt, Path sitePackages, Path cacheDir, Settings settings,
            Consumer<String> log) {
        List<String> requirements = read(requirementsTxt);
        try {
            Trees.delete(sitePackages);
            Files.createDirectories(sitePackages);
            if (requirements.isEmpty()) {
                return new Outcome(0, false, List.of());
            }
            String key = cacheKey(requirementsTxt, settings);
            Path entry = cacheDir.resolve(key);
            boolean cached = isComplete(entry);
            if (!cached) {
                if (settings.offline()) {
                    throw new RequirementsException("Offline (mvn -o) and the requirements of " + requirementsTxt
                            + " are not in the cache (" + entry + "): run the build once online. Requirements: "
                            + String.join(", ", requirements));
                }
                installIntoCache(requirementsTxt, entry, settings, log);
            }
            Trees.copy(entry, sitePackages, p -> p.getFileName().toString().equals(COMPLETE));
            return new Outcome(requirements.size(), cached, distributions(sitePackages));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not install the requirements into " + sitePackages + ": "
                    + e.getMessage(), e);
        }
    }

    static boolean isComplete(Path entry) {
        return Files.isRegularFile(entry.resolve(COMPLETE));
    }

    /** sha256 over the file's bytes, the index settings and the target interpreter. */
    static String cacheKey(Path requirementsTxt, Settings s) throws IOException {
        MessageDigest md = Digests.sha256();
        md.update(Files.readAllBytes(requirementsTxt));
        Map<String, String> inputs = new TreeMap<>();
        // Bump when the checks of an install change, so entries made without them are installed again.
        inputs.put("recipe", RECIPE);
        inputs.put("target", "cp" + s.pythonVersion().replace(".", "") + " pure-python any");
        inputs.put("markers", GuestMarkers.environment(s).toString());
        // Paths by what they name (PipArgs), so that two spellings of one directory share an entry.
        inputs.put("indexUrl", s.indexUrl() == null ? "null" : PipArgs.location(s.indexUrl()));
        inputs.put("extraArgs", String.join("\u0000", PipArgs.forKey(s.extraArgs())));
        for (String name : PIP_ENV) {
            String value = s.environment().get(name);
            inputs.put(name, value != null && PIP_ENV_LOCATIONS.contains(name) ? PipArgs.location(value)
                    : String.valueOf(value));
        }
        md.update(inputs.toString().getBytes(StandardCharsets.UTF_8));
        return Digests.hex(md.digest()).substring(0, 32);
    }

    private static void installIntoCache(Path requirementsTxt, Path entry, Settings settings, Consumer<String> log)
            throws IOException {
        Files.createDirectories(entry.getParent());
        // One install per key at a time, across builds and threads (mvn -T); a second one waits, then finds it complete.
        try (CacheLock lock = CacheLock.acquire(entry.resolveSibling(entry.getFileName() + ".lock"), LOCK_TIMEOUT,
                "installing the requirements " + entry.getFileName(), log)) {
            if (isComplete(entry)) {
                return;
            }
            Trees.delete(entry);
            sweepStaleWork(entry, log);
            // Everything pip writes, its temporary files and our capture of its output included, goes in here,
            // so that the sweep above removes what a build killed during pip leaves.
            Path work = Files.createTempDirectory(entry.getParent(), entry.getFileName() + ".tmp-");
            try {
                Files.createDirectories(work.resolve(PIP_TMP));
                checkPip(settings, work);
                log.accept("Installing " + requirementsTxt.getFileName() + " with pip (pure-Python wheels for"
                        + " CPython " + settings.pythonVersion() + ")");
                Path site = resolveForGuest(requirementsTxt, work, settings, log);
                RequiresPython.check(site, settings, work);
                rejectNativeCode(site);
                Files.writeString(site.resolve(COMPLETE), requirementsTxt + "\n");
                Files.move(site, entry, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Trees.delete(work);
            }
        } catch (CacheLockException e) {
            throw new RequirementsException(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RequirementsException("Interrupted while waiting for another install of " + requirementsTxt);
        }
    }

    /**
     * A build killed while pip ran (kill -9) leaves its work directory behind. This key's are stale once we hold
     * its lock; another key's once untouched for longer than any pip run may take.
     */
    static void sweepStaleWork(Path entry, Consumer<String> log) throws IOException {
        String own = entry.getFileName() + ".tmp-";
        FileTime cutoff = FileTime.from(Instant.now().minus(STALE_WORK));
        int swept = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(entry.getParent(), "*.tmp-*")) {
            for (Path d : dirs) {
                if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (d.getFileName().toString().startsWith(own) || Files.getLastModifiedTime(d).compareTo(cutoff) < 0) {
                    try {
                        Trees.delete(d);
                        swept++;
                    } catch (IOException e) {
                        // Another build may be sweeping it at the same time; the next sweep gets the rest.
                    }
                }
            }
        }
        if (swept > 0) {
            log.accept("Removed " + swept + " stale pip work director" + (swept == 1 ? "y" : "ies") + " from "
                    + entry.getParent());
        }
    }

    /**
     * pip into a fresh directory until the guest's markers call for nothing more: each round installs
     * requirements.txt plus what the rounds before found missing (without its marker, which pip would evaluate
     * for itself again), so pip's resolver sees every requirement of the guest at once.
     */
    private static Path resolveForGuest(Path requirementsTxt, Path work, Settings s, Consumer<String> log)
            throws IOException {
        Map<String, GuestMarkers.Problem> added = new java.util.LinkedHashMap<>();
        Path more = work.resolve("guest-requirements.txt");
        for (int round = 1; ; round++) {
            Path site = work.resolve("site-" + round);
            List<Path> files = added.isEmpty() ? List.of(requirementsTxt) : List.of(requirementsTxt, more);
            try {
                runPip(requirementsTxt, files, site, s, work, log);
            } catch (RequirementsException e) {
                if (added.isEmpty()) {
                    throw e;
                }
                throw new RequirementsException("The guest's Python " + s.pythonVersion() + " needs "
                        + describe(added.values()) + ", which pip left out (it evaluates markers for the Python"
                        + " it runs on); installing " + (added.size() == 1 ? "it" : "them") + " failed: "
                        + e.getMessage());
            }
            GuestMarkers.Result check = GuestMarkers.check(site, requirementsTxt, s, work);
            List<GuestMarkers.Problem> problems = check.problems();
            if (problems.isEmpty()) {
                if (!check.removed().isEmpty()) {
                    log.accept("Removed what pip installed for the markers of its own Python only, which the guest's "
                            + s.pythonVersion() + " does not need: " + String.join(", ", check.removed()));
                }
                return site;
            }
            List<GuestMarkers.Problem> stuck = problems.stream().filter(p -> added.containsKey(p.requirement()))
                    .toList();
            if (!stuck.isEmpty() || round == MAX_ROUNDS) {
                List<GuestMarkers.Problem> unmet = stuck.isEmpty() ? problems : stuck;
                throw new RequirementsException("The requirements cannot be satisfied for the guest's Python "
                        + s.pythonVersion() + ": " + describe(unmet) + (stuck.isEmpty() ? " still missing after "
                        + MAX_ROUNDS + " pip runs" : " still unmet after pip installed it")
                        + ". Pin versions in requirements.txt that need no more than that, or add what is missing.");
            }
            problems.forEach(p -> added.putIfAbsent(p.requirement(), p));
            log.accept("pip left out what the guest's Python " + s.pythonVersion() + " needs (it evaluates markers"
                    + " for the Python it runs on): " + describe(problems) + "; installing again with "
                    + (problems.size() == 1 ? "it" : "them"));
            Files.write(more, added.keySet(), StandardCharsets.UTF_8);
            Trees.delete(site);
        }
    }

    private static String describe(java.util.Collection<GuestMarkers.Problem> problems) {
        return String.join(", ", problems.stream().map(GuestMarkers.Problem::describe).distinct().toList());
    }

    private static void checkPip(Settings s, Path work) {
        ProcessResult r = run(List.of(s.python().toString(), "-m", "pip", "--version"), s, work, 60);
        if (r.exit() != 0) {
            throw new RequirementsException(s.python() + " has no pip, which installing requirements.txt needs."
                    + " Install it (Debian/Ubuntu: sudo apt-get install python3-pip) or point -Dunikernel.python at"
                    + " a python3 that has pip.\n" + r.output().strip());
        }
    }

    private static void runPip(Path requirementsTxt, List<Path> files, Path target, Settings s, Path work,
            Consumer<String> log) {
        ProcessResult r = run(pipInstall(files, target, s, List.of()), s, work, PIP_TIMEOUT_MINUTES * 60,
                log, PROGRESS_EVERY);
        if (r.exit() == 0) {
            return;
        }
        Optional<PipFailure.NoMatch> noMatch = PipFailure.noMatch(r.output());
        if (noMatch.isPresent()) {
            throw new RequirementsException(PipFailure.message(noMatch.get(), r.output(),
                    () -> verboseRun(files, target, s, work), s.pythonVersion()));
        }
        throw new RequirementsException("pip could not install " + requirementsTxt + " (exit " + r.exit() + "):\n"
                + Tail.of(r.output(), 25));
    }

    private static List<String> pipInstall(List<Path> files, Path target, Settings s, List<String> more) {
        List<String> cmd = new ArrayList<>(List.of(s.python().toString(), "-m", "pip", "install",
                "--disable-pip-version-check", "--no-input", "--progress-bar", "off", "--no-compile",
                "--target", target.toString(),
                "--python-version", s.pythonVersion(), "--platform", "any", "--only-binary=:all:"));
        for (Path f : files) {
            cmd.add("-r");
            cmd.add(f.toString());
        }
        if (s.indexUrl() != null && !s.indexUrl().isBlank()) {
            cmd.add("--index-url");
            cmd.add(s.indexUrl());
        }
        cmd.addAll(s.extraArgs());
        cmd.addAll(more);
        return cmd;
    }

    /** The failed install again with pip -vv, which names each file it skipped and why; inside the work dir. */
    private static String verboseRun(List<Path> files, Path target, Settings s, Path work) {
        List<String> cmd = pipInstall(files, target.resolve("pip-vv-probe"), s, List.of("-vv"));
        return run(cmd, s, work, PIP_TIMEOUT_MINUTES * 60).output();
    }

    /** Belt and braces: no shared objects may reach fs0, whatever the wheel's tags claimed. */
    static void rejectNativeCode(Path dir) throws IOException {
        List<String> found = new ArrayList<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String n = file.getFileName().toString();
                if (n.endsWith(".so") || n.contains(".so.") || n.endsWith(".pyd") || n.endsWith(".dylib")) {
                    found.add(dir.relativize(file).toString());
                }
                return FileVisitResult.CONTINUE;
            }
        });
        if (!found.isEmpty()) {
            throw new RequirementsException("The requirements install native code, which the unikernel's CPython"
                    + " cannot load: " + String.join(", ", found));
        }
    }

    /** Installed distributions, from their .dist-info directories ("name version"). */
    static List<String> distributions(Path sitePackages) throws IOException {
        try (Stream<Path> s = Files.list(sitePackages)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".dist-info"))
                    .map(n -> n.substring(0, n.length() - ".dist-info".length()).replaceFirst("-", " "))
                    .sorted()
                    .toList();
        }
    }


    record ProcessResult(int exit, String output) {
    }

    /** Runs {@code cmd} with its output captured, and its temporary files kept, in the install's work directory. */
    static ProcessResult run(List<String> cmd, Settings s, Path work, long timeoutSeconds) {
        return run(cmd, s, work, timeoutSeconds, null, PROGRESS_EVERY);
    }

    /**
     * As above; with {@code progress}, a line every {@code every} while it runs (pip is silent to Maven
     * otherwise): the time so far and pip's latest line ("Collecting ...", "Downloading ...").
     */
    static ProcessResult run(List<String> cmd, Settings s, Path work, long timeoutSeconds, Consumer<String> progress,
            Duration every) {
        try {
            Path tmp = Files.createDirectories(work.resolve(PIP_TMP));
            Path out = Files.createTempFile(work, "pip-output", ".log");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(out.toFile());
                pb.environment().clear();
                pb.environment().putAll(s.environment());
                // Not the system's temporary directory: pip's pip-* directories must go with the work directory.
                pb.environment().put("TMPDIR", tmp.toString());
                Process p = pb.start();
                p.getOutputStream().close();
                long start = System.nanoTime();
                long deadline = start + java.util.concurrent.TimeUnit.SECONDS.toNanos(timeoutSeconds);
                long slice = progress == null ? Long.MAX_VALUE : every.toNanos();
                boolean done = false;
                while (!done && System.nanoTime() < deadline) {
                    done = p.waitFor(Math.min(slice, deadline - System.nanoTime()),
                            java.util.concurrent.TimeUnit.NANOSECONDS);
                    if (!done && progress != null) {
                        progress.accept(progressLine((System.nanoTime() - start) / 1_000_000_000L, out));
                    }
                }
                if (!done) {
                    p.destroyForcibly();
                    throw new RequirementsException("pip did not finish within " + timeoutSeconds + " s: "
                            + String.join(" ", cmd));
                }
                return new ProcessResult(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new RequirementsException("Could not run " + cmd.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RequirementsException("Interrupted while running pip");
        }
    }

    static String progressLine(long seconds, Path output) {
        String last = "";
        try {
            List<String> tail = Tail.lines(Files.readString(output, StandardCharsets.UTF_8), 1);
            last = tail.isEmpty() ? "" : tail.get(0).strip();
        } catch (IOException | java.io.UncheckedIOException e) {
            // The line goes out without pip's latest words.
        }
        if (last.length() > 120) {
            last = last.substring(0, 117) + "...";
        }
        return "pip: " + seconds + " s" + (last.isEmpty() ? "" : ", last: " + last);
    }

    public static Optional<String> summary(Outcome o) {
        if (o.requirements() == 0) {
            return Optional.empty();
        }
        return Optional.of("Dependencies" + (o.fromCache() ? " (cached)" : "") + ": " + String.join(", ", o.packages()));
    }
}
