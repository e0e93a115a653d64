package io.github.unikernelfaas.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The pinned list of sources (resource {@code sources.json} in a flavour's directory, bundled patches below
 * its {@code patches/}), optionally with overrides merged over it. Order matters: libs are handed to make's
 * {@code L=} in manifest order.
 */
public final class SourceManifest {
    /** The manifest's file name in a resource directory. */
    public static final String RESOURCE = "sources.json";

    private final List<RawEntry> entries;
    private final List<Source> sources;

    private SourceManifest(List<RawEntry> entries) {
        this.entries = List.copyOf(entries);
        List<Source> list = new ArrayList<>();
        for (RawEntry e : entries) {
            list.add(e.toSource());
        }
        this.sources = Collections.unmodifiableList(list);
        validate();
    }

    /**
     * The manifest bundled with the plugin in this resource directory (a flavour's), its patches below it.
     *
     * @param resourceDir an absolute resource path ending in '/', e.g. /io/github/unikernelfaas/flavours/NAME/
     */
    public static SourceManifest load(String resourceDir) {
        try (InputStream in = SourceManifest.class.getResourceAsStream(resourceDir + RESOURCE)) {
            if (in == null) {
                throw new SourceException("The plugin's source manifest " + resourceDir + RESOURCE
                        + " is missing from its jar");
            }
            return parse(in, resourceDir);
        } catch (IOException e) {
            throw new SourceException("Cannot read the plugin's source manifest: " + e.getMessage(), e);
        }
    }

    /**
     * Parses a manifest in the {@code sources.json} format (docs/sources.md).
     *
     * @param resourceDir the resource directory whose {@code patches/} holds the patches it names
     */
    public static SourceManifest parse(InputStream in, String resourceDir) throws IOException {
        JsonNode root = new ObjectMapper().readTree(in);
        if (root == null || root.path("format").asInt() != 1 || !root.path("sources").isArray()) {
            throw new SourceException("Source manifest: expected {\"format\": 1, \"sources\": [...]}");
        }
        // Paths left out of every Debian package (docs, man pages, tests...); an entry's own "drop" adds to it.
        PathFilter drop = dropPatterns(root, "the manifest");
        List<RawEntry> list = new ArrayList<>();
        for (JsonNode n : root.get("sources")) {
            list.add(RawEntry.of(n, resourceDir, drop));
        }
        return new SourceManifest(list);
    }

    private static PathFilter dropPatterns(JsonNode n, String where) {
        JsonNode list = n.get("drop");
        if (list == null || list.isNull()) {
            return PathFilter.NONE;
        }
        List<String> patterns = new ArrayList<>();
        if (list.isArray()) {
            for (JsonNode p : list) {
                if (!p.isTextual()) {
                    patterns = null;
                    break;
                }
                patterns.add(p.asText());
            }
        }
        if (!list.isArray() || patterns == null) {
            throw new SourceException("Source manifest: drop in " + where + " must be a list of path patterns");
        }
        return PathFilter.drop(patterns);
    }

    /** The resolved sources, in manifest order. */
    public List<Source> sources() {
        return sources;
    }

    /** The source with this id. */
    public Source get(String id) {
        for (Source s : sources) {
            if (s.id().equals(id)) {
                return s;
            }
        }
        throw new SourceException("No source '" + id + "' in the manifest; known: " + ids());
    }

    /**
     * Only the sources with these ids, in manifest order, e.g. what the standard library needs for a prebuilt
     * kernel ({@code lib-python3}, {@code python3}) without the whole Unikraft tree.
     *
     * @throws SourceException naming an unknown id and the known ones
     */
    public List<Source> select(Collection<String> ids) {
        for (String id : ids) {
            get(id);
        }
        List<Source> chosen = new ArrayList<>();
        for (Source s : sources) {
            if (ids.contains(s.id())) {
                chosen.add(s);
            }
        }
        return Collections.unmodifiableList(chosen);
    }

    /**
     * This manifest with overrides (from the POM and a sources file) merged over it. Each id may be overridden
     * once: two overrides of one id fail, naming where each was given.
     */
    public SourceManifest withOverrides(List<SourceOverride> overrides) {
        if (overrides == null || overrides.isEmpty()) {
            return this;
        }
        Map<String, RawEntry> byId = new LinkedHashMap<>();
        for (RawEntry e : entries) {
            byId.put(e.id, e);
        }
        Map<String, String> seen = new HashMap<>();
        for (SourceOverride o : overrides) {
            if (o.id() == null || o.id().isBlank()) {
                throw new SourceException("A source override in " + o.from() + " has no id; known ids: " + ids());
            }
            RawEntry e = byId.get(o.id().trim());
            if (e == null) {
                throw new SourceException("Source override in " + o.from() + " for unknown id '" + o.id()
                        + "'; known ids: " + ids());
            }
            String earlier = seen.putIfAbsent(e.id, o.from());
            if (earlier != null) {
                throw new SourceException("Source '" + e.id + "' is overridden twice: in " + earlier
                        + (earlier.equals(o.from()) ? " (two entries)" : " and in " + o.from())
                        + ". Override each id once.");
            }
            byId.put(e.id, e.override(o));
        }
        return new SourceManifest(new ArrayList<>(byId.values()));
    }

    private List<String> ids() {
        List<String> ids = new ArrayList<>();
        for (RawEntry e : entries) {
            ids.add(e.id);
        }
        return ids;
    }

    private void validate() {
        Set<String> ids = new HashSet<>();
        Set<String> libs = new HashSet<>();
        Set<String> places = new HashSet<>();
        int cores = 0;
        int kernelSources = 0;
        for (Source s : sources) {
            if (!ids.add(s.id())) {
                throw new SourceException("Source manifest: duplicate id '" + s.id() + "'");
            }
            switch (s.role()) {
                case CORE:
                    cores++;
                    kernelSources++;
                    break;
                case DEB:
                    break;
                case LIB:
                    kernelSources++;
                    if (!libs.add(s.lib())) {
                        throw new SourceException("Source manifest: two sources for lib '" + s.lib() + "'");
                    }
                    break;
                case ORIGIN:
                    kernelSources++;
                    if (!places.add(s.placeAs())) {
                        throw new SourceException("Source manifest: two origin archives placed as " + s.placeAs());
                    }
                    break;
                default:
                    throw new IllegalStateException();
            }
        }
        // A manifest of Debian packages alone (a userland) needs no core; a kernel's sources need exactly one.
        if (cores != 1 && (kernelSources > 0 || sources.isEmpty())) {
            throw new SourceException("Source manifest: expected exactly one source with role core, found " + cores);
        }
    }

    /** One manifest entry before ${version} substitution, so overrides can change the version. */
    private static final class RawEntry {
        final String id;
        final String description;
        final String version;
        final String url;
        final String archive;
        final Verification verification;
        final String role;
        final String lib;
        final String placeAs;
        final String topDir;
        final List<SourcePatch> patches;
        final PathFilter drop;
        final boolean ownDrop;

        RawEntry(String id, String description, String version, String url, String archive,
                Verification verification, String role, String lib, String placeAs, String topDir,
                List<SourcePatch> patches, PathFilter drop, boolean ownDrop) {
            this.id = id;
            this.description = description;
            this.version = version;
            this.url = url;
            this.archive = archive;
            this.verification = verification;
            this.role = role;
            this.lib = lib;
            this.placeAs = placeAs;
            this.topDir = topDir;
            this.patches = List.copyOf(patches);
            this.drop = drop;
            this.ownDrop = ownDrop;
        }

        static RawEntry of(JsonNode n, String resourceDir, PathFilter manifestDrop) {
            String id = text(n, "id");
            if (id == null || !id.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                throw new SourceException("Source manifest: missing or invalid id in " + n);
            }
            String sha = text(n, "sha256");
            String tree = text(n, "treeSha256");
            if ((sha == null) == (tree == null)) {
                throw new SourceException("Source manifest: '" + id + "' needs exactly one of sha256, treeSha256"
                        + " (use the value \"unverified\" when no pin is known)");
            }
            Verification v = sha != null ? Verification.sha256(pin(sha)) : Verification.tree(pin(tree));
            PathFilter own = dropPatterns(n, "'" + id + "'");
            return new RawEntry(id, text(n, "description"), require(n, id, "version"), require(n, id, "url"),
                    require(n, id, "archive"), v, require(n, id, "role"), text(n, "lib"), text(n, "placeAs"),
                    text(n, "topDir"), bundledPatches(n, id, resourceDir), manifestDrop.and(own),
                    n.hasNonNull("drop"));
        }

        private static List<SourcePatch> bundledPatches(JsonNode n, String id, String resourceDir) {
            JsonNode list = n.get("patches");
            if (list == null || list.isNull()) {
                return List.of();
            }
            if (!list.isArray()) {
                throw new SourceException("Source manifest: '" + id + "': patches must be a list of names");
            }
            List<SourcePatch> patches = new ArrayList<>();
            for (JsonNode p : list) {
                if (!p.isTextual()) {
                    throw new SourceException("Source manifest: '" + id + "': patches must be a list of names");
                }
                patches.add(SourcePatch.bundled(id, p.asText(), resourceDir));
            }
            return patches;
        }

        private static String pin(String value) {
            return "unverified".equalsIgnoreCase(value) ? null : value;
        }

        RawEntry override(SourceOverride o) {
            String newVersion = blank(o.version()) ? version : o.version().trim();
            String newUrl = blank(o.url()) ? url : o.url().trim();
            Verification v;
            if (!blank(o.sha256()) && !blank(o.treeSha256())) {
                throw new SourceException("Source override in " + o.from() + " for '" + id + "': give either sha256"
                        + " or treeSha256, not both");
            } else if (!blank(o.sha256())) {
                v = Verification.sha256(pin(o.sha256()));
            } else if (!blank(o.treeSha256())) {
                v = Verification.tree(pin(o.treeSha256()));
            } else if (!newVersion.equals(version)) {
                // Another version has other bytes: the old pin cannot be right.
                v = new Verification(verification.kind(), null);
            } else {
                // Same version from another URL: a faithful mirror has the same bytes (file) or the same tree.
                v = verification;
            }
            List<SourcePatch> newPatches = patches;
            if (o.patches() != null) {
                // Replaces the pinned patches: a new version may already have the fix, or need another diff.
                newPatches = new ArrayList<>();
                for (Path file : o.patches()) {
                    newPatches.add(SourcePatch.file(id, file, o.from()));
                }
            }
            return new RawEntry(id, blank(o.version()) ? description : id + " " + newVersion, newVersion, newUrl,
                    archive, v, role, lib, placeAs, topDir, newPatches, drop, ownDrop);
        }

        Source toSource() {
            URI uri;
            String expanded = expand(url);
            try {
                uri = new URI(expanded);
            } catch (URISyntaxException e) {
                throw new SourceException("Source '" + id + "': invalid URL '" + expanded + "': " + e.getMessage());
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("https") && !scheme.equals("http") && !scheme.equals("file")) {
                throw new SourceException("Source '" + id + "': URL '" + expanded + "' must be https, http or file");
            }
            Source.Role r;
            try {
                r = Source.Role.valueOf(role.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new SourceException("Source '" + id + "': role must be core, lib, origin or deb, not '" + role
                        + "'");
            }
            ArchiveType type = ArchiveType.parse(archive);
            if ((r == Source.Role.DEB) != (type == ArchiveType.DEB)) {
                throw new SourceException("Source '" + id + "': a Debian package has role deb and archive deb"
                        + " (found role " + role + ", archive " + archive + ")");
            }
            if (r == Source.Role.DEB) {
                if (verification.kind() != Verification.Kind.SHA256) {
                    throw new SourceException("Source '" + id + "': pin a Debian package by the sha256 of the .deb"
                            + " (the SHA256 field of the archive's Packages index, or sha256sum of the file),"
                            + " not treeSha256");
                }
                if (lib != null || placeAs != null || topDir != null || !patches.isEmpty()) {
                    throw new SourceException("Source '" + id + "': a Debian package takes no lib, placeAs, topDir"
                            + " or patches");
                }
            } else if (ownDrop) {
                throw new SourceException("Source '" + id + "': drop applies only to Debian packages (role deb)");
            }
            String expandedPlace = placeAs == null ? null : expand(placeAs);
            if (r == Source.Role.LIB || r == Source.Role.ORIGIN) {
                if (lib == null || !lib.matches("[A-Za-z0-9_]+")) {
                    throw new SourceException("Source '" + id + "': role " + role + " needs a lib name (e.g. libmusl)");
                }
            }
            if (r == Source.Role.ORIGIN) {
                if (expandedPlace == null || !expandedPlace.matches(lib + "/[A-Za-z0-9._+-]+")
                        || expandedPlace.endsWith("/..") || expandedPlace.endsWith("/.")) {
                    throw new SourceException("Source '" + id + "': an origin needs placeAs = \"" + lib
                            + "/<basename of the lib's URL>\", not " + expandedPlace);
                }
            }
            if (r == Source.Role.ORIGIN && !patches.isEmpty()) {
                throw new SourceException("Source '" + id + "' is an origin archive, which make unpacks itself: patches"
                        + " apply only to the core and lib trees");
            }
            Set<String> names = new HashSet<>();
            for (SourcePatch p : patches) {
                if (!names.add(p.name())) {
                    throw new SourceException("Source '" + id + "' has two patches named " + p.name()
                            + ": give the files different names");
                }
            }
            String expandedTop = topDir == null ? null : expand(topDir);
            if (expandedTop != null && (expandedTop.isEmpty() || expandedTop.contains("/")
                    || expandedTop.equals("..") || expandedTop.equals("."))) {
                throw new SourceException("Source '" + id + "': invalid topDir '" + expandedTop + "'");
            }
            return new Source(id, description == null ? id + " " + version : description, version, uri,
                    type, verification, r, r == Source.Role.CORE || r == Source.Role.DEB ? null : lib,
                    r == Source.Role.ORIGIN ? expandedPlace : null, expandedTop, patches,
                    r == Source.Role.DEB ? drop : PathFilter.NONE);
        }

        private String expand(String s) {
            return s.replace("${version}", version);
        }

        private static boolean blank(String s) {
            return s == null || s.isBlank();
        }

        private static String text(JsonNode n, String field) {
            JsonNode v = n.get(field);
            return v == null || v.isNull() ? null : v.asText();
        }

        private static String require(JsonNode n, String id, String field) {
            String v = text(n, field);
            if (v == null || v.isBlank()) {
                throw new SourceException("Source manifest: '" + id + "' has no " + field);
            }
            return v;
        }
    }
}
