package io.github.unikernelfaas.rootfs;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** A PEP 503 "simple" package index on 127.0.0.1 serving wheels that the test builds from source text. */
final class WheelIndex implements AutoCloseable {
    private final Path dir;
    private final HttpServer server;
    final AtomicInteger fileRequests = new AtomicInteger();
    /** Wheel file name -> its Requires-Python, published as data-requires-python (PEP 503). */
    private final Map<String, String> requiresPython = new java.util.concurrent.ConcurrentHashMap<>();

    WheelIndex(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] body;
            int status = 200;
            String type = "text/html";
            if (path.startsWith("/simple/")) {
                String project = path.substring("/simple/".length()).replace("/", "");
                StringBuilder html = new StringBuilder("<!DOCTYPE html><html><body>\n");
                try (var files = Files.list(this.dir)) {
                    for (Path w : files.sorted().toList()) {
                        String n = w.getFileName().toString();
                        if (n.toLowerCase().startsWith(project.replace("-", "_") + "-")) {
                            String rp = requiresPython.get(n);
                            html.append("<a href=\"/files/").append(n).append('"')
                                    .append(rp == null ? "" : " data-requires-python=\"" + rp.replace(">", "&gt;")
                                            .replace("<", "&lt;") + '"')
                                    .append(">").append(n).append("</a>\n");
                        }
                    }
                }
                body = html.append("</body></html>\n").toString().getBytes(StandardCharsets.UTF_8);
            } else if (path.startsWith("/files/") && Files.isRegularFile(this.dir.resolve(path.substring(7)))) {
                fileRequests.incrementAndGet();
                body = Files.readAllBytes(this.dir.resolve(path.substring(7)));
                type = "application/octet-stream";
            } else {
                status = 404;
                body = "not found".getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().add("Content-Type", type);
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    /** The wheels' directory, for pip --find-links (which publishes no data-requires-python). */
    Path dir() {
        return dir;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/simple/";
    }

    /**
     * Writes a wheel.
     *
     * @param tag   e.g. py3-none-any, or cp37-cp37m-manylinux1_x86_64 for a native one
     * @param files path inside the wheel -> content
     */
    Path wheel(String name, String version, String tag, Map<String, String> files, List<String> requires)
            throws Exception {
        return wheel(name, version, tag, files, requires, null);
    }

    /** A wheel whose METADATA says Requires-Python: {@code requiresPython} (none when null). */
    Path wheel(String name, String version, String tag, Map<String, String> files, List<String> requires,
            String requiresPython) throws Exception {
        String distInfo = name + "-" + version + ".dist-info/";
        Map<String, byte[]> entries = new LinkedHashMap<>();
        files.forEach((k, v) -> entries.put(k, v.getBytes(StandardCharsets.UTF_8)));
        StringBuilder metadata = new StringBuilder("Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n");
        requires.forEach(r -> metadata.append("Requires-Dist: ").append(r).append('\n'));
        if (requiresPython != null) {
            metadata.append("Requires-Python: ").append(requiresPython).append('\n');
        }
        entries.put(distInfo + "METADATA", metadata.toString().getBytes(StandardCharsets.UTF_8));
        entries.put(distInfo + "WHEEL", ("Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: "
                + tag.endsWith("-any") + "\nTag: " + tag + "\n").getBytes(StandardCharsets.UTF_8));
        List<String> record = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(e.getValue());
            record.add(e.getKey() + ",sha256=" + Base64.getUrlEncoder().withoutPadding().encodeToString(hash) + ","
                    + e.getValue().length);
        }
        record.add(distInfo + "RECORD,,");
        entries.put(distInfo + "RECORD", (String.join("\n", record) + "\n").getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        String file = name + "-" + version + "-" + tag + ".whl";
        if (requiresPython != null) {
            this.requiresPython.put(file, requiresPython);
        }
        return Files.write(dir.resolve(file), bytes.toByteArray());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
