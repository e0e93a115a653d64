package io.github.unikernelfaas.source;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A real HTTP server on 127.0.0.1 serving fixture files by path, counting requests. */
final class FixtureServer implements AutoCloseable {
    /** How a path misbehaves. */
    enum Mode {
        NORMAL,
        /** Announce the full Content-Length, send half, then stall (keep the connection open). */
        STALL
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8);
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final Map<String, Mode> modes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private volatile long delayMillis;
    private volatile CountDownLatch gate;

    FixtureServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** Base URL, e.g. http://127.0.0.1:12345/ */
    URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** Serve {@code bytes} at {@code path} (starting with /). */
    FixtureServer put(String path, byte[] bytes) {
        files.put(path, bytes);
        modes.put(path, Mode.NORMAL);
        return this;
    }

    FixtureServer mode(String path, Mode mode) {
        modes.put(path, mode);
        return this;
    }

    /** Wait this long before answering each request (to make concurrent fetches overlap). */
    FixtureServer delay(long millis) {
        this.delayMillis = millis;
        return this;
    }

    /** Hold every answer until {@code gate} opens (at most 30 s). */
    FixtureServer gate(CountDownLatch gate) {
        this.gate = gate;
        return this;
    }

    /** Waits (bounded) until {@code path} has been requested at least once. */
    void awaitRequest(String path, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (requests(path) == 0) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("no request for " + path + " within " + timeoutMillis + " ms");
            }
            Thread.sleep(20);
        }
    }

    int requests(String path) {
        AtomicInteger n = requests.get(path);
        return n == null ? 0 : n.get();
    }

    int totalRequests() {
        return total.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        // For a proxied request the URI is absolute; count by host-less path either way.
        String path = ex.getRequestURI().getRawPath();
        String key = ex.getRequestURI().isAbsolute() ? ex.getRequestURI().getHost() + path : path;
        requests.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        total.incrementAndGet();
        try {
            if (delayMillis > 0) {
                Thread.sleep(delayMillis);
            }
            CountDownLatch g = gate;
            if (g != null) {
                g.await(30, TimeUnit.SECONDS);
            }
            byte[] body = files.get(key);
            if (body == null) {
                body = files.get(path);
            }
            if (body == null) {
                byte[] msg = "not found".getBytes();
                ex.sendResponseHeaders(404, msg.length);
                ex.getResponseBody().write(msg);
                ex.close();
                return;
            }
            Mode mode = modes.getOrDefault(key, modes.getOrDefault(path, Mode.NORMAL));
            ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
            ex.sendResponseHeaders(200, body.length);
            OutputStream out = ex.getResponseBody();
            switch (mode) {
                case NORMAL:
                    out.write(body);
                    out.close();
                    break;
                case STALL:
                    out.write(body, 0, body.length / 2);
                    out.flush();
                    Thread.sleep(30_000);
                    break;
                default:
                    throw new IllegalStateException();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ex.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
