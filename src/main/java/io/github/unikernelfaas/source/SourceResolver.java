package io.github.unikernelfaas.source;

import io.github.unikernelfaas.host.CacheLock;
import io.github.unikernelfaas.host.CacheLockException;
import io.github.unikernelfaas.host.Digests;
import java.io.IOException;
import java.net.Authenticator;
import java.net.ProxySelector;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Makes every source of a manifest available, verified, in the cache, and returns where they are.
 *
 * <p>Cache layout below {@code cacheDir} (docs/sources.md): {@code sources/<id>/<sha256-…|tree-…>/} holds a
 * {@code .verified} marker and either {@code tree/} (core, libs: the extracted archive, with the archive kept
 * in {@code archive/}) or the archive file (origins); {@code locks/} one lock file per entry; {@code tmp/} work
 * directories. An entry is written in {@code tmp/}, verified, then renamed into place, under the entry's lock.
 * A verified entry is never downloaded again. A tree is checked against its marker's {@link TreeManifest} on
 * every use; a damaged one is extracted again from its kept archive when that still verifies. Any other entry
 * that fails its check (marker missing, file hash changed) is deleted and fetched anew (or, offline, reported as
 * missing with the command that deletes it).
 */
public final class SourceResolver {
    private static final String MARKER = CacheMarker.NAME;

    private final Path cacheDir;
    private final URI mirror;
    private final boolean offline;
    private final FetchLog log;
    private final Duration lockTimeout;
    private final Downloader downloader;

    private SourceResolver(Builder b) {
        this.cacheDir = b.cacheDir.toAbsolutePath().normalize();
        this.mirror = b.mirror;
        this.offline = b.offline;
        this.log = b.log;
        this.lockTimeout = b.lockTimeout;
        this.downloader = new Downloader(b.proxy, b.authenticator, b.connectTimeout, b.idleTimeout, b.log, b.terminal);
    }

    /** A resolver caching below {@code cacheDir} (the plugin's default is ~/.cache/unikernel-faas). */
    public static Builder builder(Path cacheDir) {
        return new Builder(cacheDir);
    }

    /** Options of a resolver; all but the cache directory have defaults. */
    public static final class Builder {
        private final Path cacheDir;
        private URI mirror;
        private boolean offline;
        private FetchLog log = FetchLog.silent();
        private boolean terminal;
        private ProxySelector proxy;
        private Authenticator authenticator;
        private Duration connectTimeout = Duration.ofSeconds(30);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration lockTimeout = Duration.ofMinutes(30);

        private Builder(Path cacheDir) {
            this.cacheDir = cacheDir;
        }

        /** Base URL replacing every upstream host (layout MIRROR/HOST/PATH); null for upstream. */
        public Builder mirror(URI mirror) {
            this.mirror = mirror;
            return this;
        }

        /** Use the cache only; fail naming every missing source. */
        public Builder offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        public Builder log(FetchLog log) {
            this.log = log;
            return this;
        }

        /** True on a terminal: big downloads report progress through {@link FetchLog#progress}. */
        public Builder terminal(boolean terminal) {
            this.terminal = terminal;
            return this;
        }

        /** The proxy selector (from settings.xml); null for the JDK default. */
        public Builder proxy(ProxySelector proxy) {
            this.proxy = proxy;
            return this;
        }

        /** Proxy credentials; null for none. */
        public Builder authenticator(Authenticator authenticator) {
            this.authenticator = authenticator;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /** A download receiving nothing for this long is aborted. */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
            return this;
        }

        /** How long to wait for another build fetching the same source. */
        public Builder lockTimeout(Duration lockTimeout) {
            this.lockTimeout = lockTimeout;
            return this;
        }

        public SourceResolver build() {
            return new SourceResolver(this);
        }
    }

    /** Resolves every source of the manifest (downloading what the cache lacks unless offline). */
    public SourceSet resolve(SourceManifest manifest) throws InterruptedException {
        return resolve(manifest.sources());
    }

    /** Resolves the given sources, in order: all of a manifest, or a subset ({@link SourceManifest#select}). */
    public SourceSet resolve(List<Source> sources) throws InterruptedException {
        requirePinned(sources);
        Map<Source, Entry> entries = new LinkedHashMap<>();
        if (offline) {
            List<String> missing = new ArrayList<>();
            for (Source s : sources) {
                Check c = usable(s);
                if (c.entry != null) {
                    entries.put(s, c.entry);
                } else {
                    String about = s.description().equals(s.label()) ? "" : " (" + s.description() + ")";
                    missing.add("  - " + s.label() + about + ": " + downloadUri(s)
                            + (c.problem == null ? "" : " [cached copy unusable: " + c.problem + "; delete it with"
                                    + " rm -rf " + entryDir(s) + " and build once online to fetch it again]"));
                }
            }
            if (!missing.isEmpty()) {
                throw new SourceException("Offline (mvn -o) and " + missing.size() + " of " + sources.size()
                        + " sources are not in the cache " + cacheDir + ":\n" + String.join("\n", missing)
                        + "\nBuild once online (optionally with unikernel.mirror) to fill the cache, or copy a filled"
                        + " cache there.");
            }
            log.info("Sources: " + sources.size() + " verified in " + cacheDir + " (offline, from the cache)");
        } else {
            int downloaded = 0;
            for (Source s : sources) {
                Entry e = usable(s).entry;
                if (e == null) {
                    e = fetch(s);
                    if (e.fresh) {
                        downloaded++;
                    }
                }
                entries.put(s, e);
            }
            log.info("Sources: " + sources.size() + " verified in " + cacheDir
                    + (downloaded == 0 ? " (all from the cache)" : " (" + downloaded + " downloaded)"));
        }
        return toSet(entries);
    }

    private void requirePinned(List<Source> sources) {
        List<String> unpinned = new ArrayList<>();
        for (Source s : sources) {
            if (!s.verification().pinned()) {
                unpinned.add("  - " + s.label() + " (" + s.url() + "): <source><id>" + s.id() + "</id><"
                        + s.verification().kind().key() + ">...</" + s.verification().kind().key()
                        + "></source>");
            }
        }
        if (!unpinned.isEmpty()) {
            throw new SourceException("No checksum is pinned for " + unpinned.size() + " source(s), so they cannot be"
                    + " verified and are not used:\n" + String.join("\n", unpinned)
                    + "\nAdd the checksum in the plugin's <configuration><sources> (docs/sources.md says how to"
                    + " compute sha256 and treeSha256).");
        }
    }

    URI downloadUri(Source s) {
        return MirrorLayout.map(s.url(), mirror);
    }

    Path entryDir(Source s) {
        return cacheDir.resolve("sources").resolve(s.id()).resolve(s.verification().slug());
    }

    /** A usable cache entry. */
    record Entry(Path dir, Map<String, String> marker, boolean fresh) {
    }

    /**
     * An entry, or why there is none (problem null: simply absent).
     *
     * @param damaged an extracted tree that no longer matches its manifest, or has none yet: it may be repaired
     */
    record Check(Entry entry, String problem, boolean damaged) {
        Check(Entry entry, String problem) {
            this(entry, problem, false);
        }
    }

    /** The cached entry, a damaged tree repaired first when it can be; else why it is unusable. */
    private Check usable(Source s) throws InterruptedException {
        Check c = check(s);
        return c.damaged ? TreeRepair.underLock(this, s, c.problem) : c;
    }

    Check check(Source s) {
        Path dir = entryDir(s);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return new Check(null, null);
        }
        CacheMarker cm;
        try {
            cm = CacheMarker.read(dir.resolve(MARKER));
        } catch (NoSuchFileException e) {
            return new Check(null, "no " + MARKER + " marker (incomplete)");
        } catch (IOException e) {
            return new Check(null, "marker unreadable: " + e.getMessage());
        }
        Map<String, String> marker = cm.fields();
        if (!s.verification().kind().key().equals(marker.get("kind"))
                || !s.verification().value().equals(marker.get("value"))) {
            return new Check(null, "marker does not match the pin");
        }
        try {
            if (s.extracted()) {
                Path tree = dir.resolve("tree");
                String top = marker.getOrDefault("topDir", "");
                Path root = top.isEmpty() ? tree : tree.resolve(top);
                if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
                    return new Check(null, "extracted tree missing");
                }
                if (cm.manifest() == null) {
                    return new Check(null, "verified by an older version, without the list of its files", true);
                }
                Optional<String> changed = cm.manifest().differences(tree);
                if (changed.isPresent()) {
                    return new Check(null, "its files changed since they were verified: " + changed.get(), true);
                }
            } else {
                String name = marker.get("file");
                Path file = name == null ? null : dir.resolve(name);
                if (file == null || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    return new Check(null, "archive file missing");
                }
                String actual = Digests.sha256(file);
                if (!actual.equals(marker.get("fileSha256"))) {
                    return new Check(null, "archive changed since it was verified (sha256 " + actual + ")");
                }
            }
        } catch (IOException e) {
            return new Check(null, "unreadable: " + e.getMessage());
        }
        return new Check(new Entry(dir, marker, false), null);
    }

    private Entry fetch(Source s) throws InterruptedException {
        String what = s.label();
        try (CacheLock lock = lock(s, "fetching ")) {
            Check c = check(s);
            if (c.entry != null) {
                return c.entry; // another build fetched it while we waited
            }
            Path dir = entryDir(s);
            if (c.problem != null) {
                log.warn("Cached " + what + " in " + dir + " is unusable (" + c.problem + "): replacing it");
            }
            io.github.unikernelfaas.host.Trees.delete(dir);
            removeStaleWork(s);
            return download(s, dir);
        } catch (IOException e) {
            throw new SourceException("Cannot write " + what + " into the cache " + cacheDir + ": " + e.getMessage()
                    + ". Is unikernel.cacheDir writable?", e);
        } catch (CacheLockException e) {
            throw new SourceException(e.getMessage(), e);
        }
    }

    /** The entry's lock, held while it is written or repaired. */
    CacheLock lock(Source s, String doing) throws IOException, InterruptedException, CacheLockException {
        Path lockFile = cacheDir.resolve("locks").resolve(s.id() + "-" + s.verification().slug() + ".lock");
        return CacheLock.acquire(lockFile, lockTimeout, doing + s.label(), log::info);
    }

    FetchLog log() {
        return log;
    }

    /** A new work directory for this entry below {@code tmp/} (same file system as the cache: renames are atomic). */
    Path newWork(Source s) throws IOException {
        Path tmpRoot = cacheDir.resolve("tmp");
        Files.createDirectories(tmpRoot);
        return Files.createTempDirectory(tmpRoot, workPrefix(s));
    }

    private Entry download(Source s, Path dir) throws IOException, InterruptedException {
        Path work = newWork(s);
        try {
            URI from = downloadUri(s);
            Path file = work.resolve(s.fileName());
            String hint = mirror == null
                    ? " Behind a firewall, set unikernel.mirror to a mirror that has it; if the URL moved, override it"
                            + " with <sources><source><id>" + s.id() + "</id><url>...</url></source></sources>."
                    : " unikernel.mirror is " + mirror + ": it must serve " + s.url() + " at MIRROR/HOST/PATH, i.e. "
                            + from + "; or override this source's URL with <sources><source><id>" + s.id()
                            + "</id><url>...</url></source></sources>.";
            downloader.download(from, file, s.label(), hint);
            return install(s, file, from, work, dir, true);
        } finally {
            io.github.unikernelfaas.host.Trees.delete(work);
        }
    }

    /**
     * Verifies the archive {@code file} (in {@code work}), extracts it when the source is a tree, and moves the
     * finished entry to {@code dir} in one rename; whatever {@code dir} held before is deleted first.
     */
    Entry install(Source s, Path file, URI from, Path work, Path dir, boolean fresh) throws IOException {
        String fileSha = Digests.sha256(file);
        String top;
        Path extracted = work.resolve("x");
        if (s.verification().kind() == Verification.Kind.SHA256) {
            if (!fileSha.equals(s.verification().value())) {
                throw mismatch(s, from, fileSha);
            }
            top = s.extracted() ? extract(s, file, extracted).topDir() : topOfArchive(s, file);
        } else {
            ArchiveExtractor.Extracted x = extract(s, file, extracted);
            if (!x.treeSha256().equals(s.verification().value())) {
                throw mismatch(s, from, x.treeSha256());
            }
            top = x.topDir();
        }
        if (s.topDir() != null && !s.topDir().equals(top)) {
            throw new SourceException("The archive of " + s.label() + " from " + from + " has the top-level"
                    + " directory '" + top + "', but make expects '" + s.topDir() + "'. Nothing was cached; use an"
                    + " archive laid out like upstream's.");
        }
        Path entry = work.resolve("entry");
        Files.createDirectory(entry);
        Map<String, String> marker = new LinkedHashMap<>();
        marker.put("id", s.id());
        marker.put("version", s.version());
        marker.put("url", from.toString());
        marker.put("kind", s.verification().kind().key());
        marker.put("value", s.verification().value());
        marker.put("topDir", top);
        TreeManifest manifest = null;
        if (s.extracted()) {
            Files.move(extracted, entry.resolve("tree"));
            manifest = TreeManifest.of(entry.resolve("tree"));
            // Kept so that a damaged tree can be extracted again, offline too.
            Files.createDirectory(entry.resolve("archive"));
            Files.move(file, entry.resolve("archive").resolve(s.fileName()));
            marker.put("file", "archive/" + s.fileName());
        } else {
            Files.move(file, entry.resolve(s.fileName()));
            marker.put("file", s.fileName());
        }
        marker.put("fileSha256", fileSha);
        new CacheMarker(marker, manifest).write(entry.resolve(MARKER));
        io.github.unikernelfaas.host.Trees.delete(dir);
        Files.createDirectories(dir.getParent());
        Files.move(entry, dir, StandardCopyOption.ATOMIC_MOVE);
        return new Entry(dir, marker, fresh);
    }

    private ArchiveExtractor.Extracted extract(Source s, Path file, Path target) {
        try {
            return ArchiveExtractor.extract(file, s.archive(), target);
        } catch (SourceException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new SourceException("Cannot extract " + s.label() + " (" + s.archive() + " from " + downloadUri(s)
                    + "): " + e.getMessage() + ". The download is damaged or not a " + s.archive()
                    + " archive; nothing was cached.", e);
        }
    }

    private String topOfArchive(Source s, Path file) {
        if (s.archive() == ArchiveType.DEB) {
            // Read it once through, so that a file that is no .deb (an error page, another format) is not cached.
            try {
                ArchiveExtractor.topLevelNames(file, s.archive());
            } catch (IOException | RuntimeException e) {
                throw new SourceException("Cannot read " + s.label() + " (a Debian package from " + downloadUri(s)
                        + "): " + e.getMessage() + "; nothing was cached.", e);
            }
            return "";
        }
        if (s.topDir() == null) {
            return "";
        }
        Set<String> names;
        try {
            names = ArchiveExtractor.topLevelNames(file, s.archive());
        } catch (SourceException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new SourceException("Cannot read " + s.label() + " (" + s.archive() + " from " + downloadUri(s)
                    + "): " + e.getMessage() + "; nothing was cached.", e);
        }
        return names.size() == 1 ? names.iterator().next() : String.join(",", names);
    }

    private static SourceException mismatch(Source s, URI from, String actual) {
        String key = s.verification().kind().key();
        return new SourceException("Checksum mismatch for " + s.label() + " downloaded from " + from + ": expected "
                + key + " " + s.verification().value() + ", got " + actual + ". Nothing was cached."
                + " The download is corrupt, or it is not the pinned archive. If you deliberately use another"
                + " archive (a mirror's repack, another version) and trust where it came from, pin it in the"
                + " plugin configuration: <sources><source><id>" + s.id() + "</id><" + key + ">" + actual + "</"
                + key + "></source></sources>");
    }

    private String workPrefix(Source s) {
        return s.id() + "-" + s.verification().slug() + ".";
    }

    /** Work directories of this entry left by a killed build (we hold the entry's lock, so none is live). */
    private void removeStaleWork(Source s) throws IOException {
        Path tmpRoot = cacheDir.resolve("tmp");
        if (!Files.isDirectory(tmpRoot)) {
            return;
        }
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(tmpRoot, workPrefix(s) + "*")) {
            for (Path p : stale) {
                io.github.unikernelfaas.host.Trees.delete(p);
            }
        }
    }

    private SourceSet toSet(Map<Source, Entry> entries) {
        Path core = null;
        Map<String, Path> libs = new LinkedHashMap<>();
        List<SourceSet.OriginArchive> origins = new ArrayList<>();
        List<SourceSet.PatchedTree> patched = new ArrayList<>();
        List<SourceSet.DebPackage> packages = new ArrayList<>();
        StringBuilder key = new StringBuilder();
        for (Map.Entry<Source, Entry> me : entries.entrySet()) {
            Source s = me.getKey();
            Entry e = me.getValue();
            key.append(s.id()).append(' ').append(s.role()).append(' ').append(s.lib()).append(' ')
                    .append(s.placeAs()).append(' ').append(s.verification());
            if (s.role() == Source.Role.DEB) {
                key.append(" drop ").append(s.drop());
            }
            key.append('\n');
            if (s.extracted()) {
                String top = e.marker.getOrDefault("topDir", "");
                Path tree = e.dir.resolve("tree");
                Path root = top.isEmpty() ? tree : tree.resolve(top);
                if (s.role() == Source.Role.CORE) {
                    core = root;
                } else {
                    libs.put(s.lib(), root);
                }
                if (!s.patches().isEmpty()) {
                    patched.add(new SourceSet.PatchedTree(s.id(), root, s.patches()));
                }
            } else if (s.role() == Source.Role.DEB) {
                packages.add(new SourceSet.DebPackage(s.id(), s.version(), e.dir.resolve(e.marker.get("file")),
                        e.marker.get("fileSha256"), s.drop()));
            } else {
                origins.add(new SourceSet.OriginArchive(s.id(), s.lib(), s.placeAs(),
                        e.dir.resolve(e.marker.get("file")), e.marker.get("fileSha256")));
            }
        }
        return new SourceSet(core, libs, origins, patched, packages, Digests.sha256(key.toString()));
    }
}
