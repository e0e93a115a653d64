package io.github.unikernelfaas.source;

import static io.github.unikernelfaas.source.Fixtures.E;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.unikernelfaas.flavour.Flavour;
import io.github.unikernelfaas.flavour.Flavours;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A three-source fixture manifest (core, one lib as zip, one origin archive) and the bytes to serve. */
final class TestSources {
    static final String CORE_PATH = "/github.example/acme/core/archive/v1.tar.gz";
    static final String LIB_PATH = "/github.example/acme/lib-a/archive/v2.zip";
    static final String ORIGIN_PATH = "/downloads.example/orig/orig-1.0.tar.gz";

    final byte[] core;
    final byte[] lib;
    final byte[] origin;
    final String coreTree;
    final String libTree;
    final String originSha;
    String originTopDir = "orig-1.0";

    TestSources() throws Exception {
        this(List.of(E.dir("orig-1.0/"), E.file("orig-1.0/README", "origin\n"), E.exec("orig-1.0/configure",
                "#!/bin/sh\n")));
    }

    TestSources(List<E> originEntries) throws Exception {
        List<E> coreSpec = Fixtures.tree("core-v1", "core");
        List<E> libSpec = Fixtures.tree("lib-a-v2", "liba");
        core = Fixtures.tarGz(coreSpec);
        lib = Fixtures.zip(libSpec);
        origin = Fixtures.tarGz(originEntries);
        coreTree = Fixtures.expectedTreeDigest(coreSpec, "core-v1");
        libTree = Fixtures.expectedTreeDigest(libSpec, "lib-a-v2");
        originSha = Fixtures.sha256(origin);
    }

    FixtureServer serveOn(FixtureServer server) {
        return server.put(CORE_PATH, core).put(LIB_PATH, lib).put(ORIGIN_PATH, origin);
    }

    String manifestJson() throws Exception {
        return manifestJson(coreTree, libTree, originSha);
    }

    String manifestJson(String coreDigest, String libDigest, String originDigest) throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("format", 1);
        ArrayNode list = root.putArray("sources");
        ObjectNode c = list.addObject();
        c.put("id", "core").put("version", "v1").put("url", "https://github.example/acme/core/archive/${version}.tar.gz")
                .put("archive", "tar.gz").put("treeSha256", coreDigest).put("role", "core");
        ObjectNode l = list.addObject();
        l.put("id", "lib-a").put("version", "v2").put("url", "https://github.example/acme/lib-a/archive/${version}.zip")
                .put("archive", "zip").put("treeSha256", libDigest).put("role", "lib").put("lib", "liba");
        ObjectNode o = list.addObject();
        o.put("id", "orig").put("version", "1.0").put("url", "http://downloads.example/orig/orig-${version}.tar.gz")
                .put("archive", "tgz").put("sha256", originDigest).put("role", "origin").put("lib", "liba")
                .put("placeAs", "liba/orig-${version}.tar.gz").put("topDir", originTopDir);
        return m.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    SourceManifest manifest() throws Exception {
        return parse(manifestJson());
    }

    /** Parses a manifest whose patches are looked up in the default flavour's directory. */
    static SourceManifest parse(String json) throws Exception {
        return SourceManifest.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)),
                Flavours.dir(Flavour.DEFAULT));
    }

    /** The default flavour's bundled manifest. */
    static SourceManifest bundled() {
        return SourceManifest.load(Flavours.dir(Flavour.DEFAULT));
    }

    /** Every regular file below {@code dir} except lock files (which may stay), as relative paths. */
    static List<String> cachedFiles(Path dir) throws Exception {
        List<String> files = new ArrayList<>();
        if (!Files.exists(dir)) {
            return files;
        }
        try (var s = Files.walk(dir)) {
            s.filter(p -> !Files.isDirectory(p)).map(p -> dir.relativize(p).toString())
                    .filter(p -> !p.startsWith("locks/")).forEach(files::add);
        }
        return files;
    }
}
