package io.github.unikernelfaas.image;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's docker-registry on a free 127.0.0.1 port, optionally behind htpasswd auth; always stopped. */
final class LocalRegistry implements AutoCloseable {
    final int port;
    private final Process process;
    private final Path log;

    LocalRegistry(Path dir, String user, String password) throws Exception {
        Path registry = ImageBuilderTest.tool("docker-registry");
        port = io.github.unikernelfaas.vm.Ports.free();
        log = dir.resolve("registry.log");
        StringBuilder config = new StringBuilder("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
                + "    rootdirectory: " + Files.createDirectories(dir.resolve("storage")) + "\nhttp:\n  addr: 127.0.0.1:"
                + port + "\n");
        if (user != null) {
            Path htpasswd = ImageBuilderTest.tool("htpasswd");
            String line = ImageBuilderTest.run(List.of(htpasswd.toString(), "-Bbn", user, password)).strip();
            Path file = Files.writeString(dir.resolve("htpasswd"), line + "\n");
            config.append("auth:\n  htpasswd:\n    realm: test\n    path: ").append(file).append('\n');
        }
        Path yml = Files.writeString(dir.resolve("config.yml"), config.toString());
        process = new ProcessBuilder(registry.toString(), "serve", yml.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < 100; i++) {
            if (!process.isAlive()) {
                throw new IllegalStateException("docker-registry exited: " + Files.readString(log));
            }
            try {
                int status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/"))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200 || status == 401) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        close();
        throw new IllegalStateException("docker-registry did not answer within 10 s: " + Files.readString(log));
    }

    String host() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
