package io.github.unikernelfaas.invoke;

import io.github.unikernelfaas.guest.GuestContract;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** Calls the function in the VM over HTTP/1.1 keep-alive, the way a gateway would. */
public final class FunctionClient {
    private final HttpClient http;
    private final URI endpoint;
    private final Duration timeout;

    public FunctionClient(HttpClient http, int hostPort, Duration timeout) {
        this.http = http;
        this.endpoint = URI.create("http://127.0.0.1:" + hostPort + "/");
        this.timeout = timeout;
    }

    public static HttpClient newHttpClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .proxy(HttpClient.Builder.NO_PROXY)
                .build();
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Whether the guest answers GET /health with 200 within {@code timeout}: it is free to take a request. */
    public boolean healthy(Duration timeout) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(endpoint.resolve(GuestContract.HEALTH_PATH)).timeout(timeout).GET().build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    public Duration timeout() {
        return timeout;
    }

    /** POSTs the event body as JSON. */
    public Invocation invoke(byte[] body) throws IOException, InterruptedException {
        return invoke(body, Optional::empty);
    }

    /**
     * POSTs the event body as JSON, asking {@code stopped} every {@value #WATCH_MILLIS} ms meanwhile: when it
     * says the VM stopped, the call ends at once with a {@link VmStoppedException} carrying its words, not after
     * the timeout. A failed connection is also laid to the VM's end when {@code stopped} says so within
     * {@link #GRACE} (a dying guest closes its connections a moment before QEMU exits).
     */
    public Invocation invoke(byte[] body, Supplier<Optional<String>> stopped) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        long t0 = System.nanoTime();
        CompletableFuture<HttpResponse<byte[]>> call = http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
        HttpResponse<byte[]> r;
        try {
            r = await(call, stopped);
        } finally {
            call.cancel(true);
        }
        double millis = (System.nanoTime() - t0) / 1e6;
        String type = r.headers().firstValue("Content-Type").orElse("");
        return new Invocation(r.statusCode(), type, new String(r.body(), StandardCharsets.UTF_8), millis);
    }

    static final long WATCH_MILLIS = 250;
    static final Duration GRACE = Duration.ofSeconds(3);

    private static HttpResponse<byte[]> await(CompletableFuture<HttpResponse<byte[]>> call,
            Supplier<Optional<String>> stopped) throws IOException, InterruptedException {
        while (true) {
            try {
                return call.get(WATCH_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                Optional<String> why = stopped.get();
                if (why.isPresent()) {
                    throw new VmStoppedException(why.get());
                }
            } catch (ExecutionException e) {
                IOException failure = e.getCause() instanceof IOException io ? io
                        : new IOException(String.valueOf(e.getCause()), e.getCause());
                long deadline = System.nanoTime() + GRACE.toNanos();
                do {
                    Optional<String> why = stopped.get();
                    if (why.isPresent()) {
                        throw new VmStoppedException(why.get(), failure);
                    }
                    if (failure instanceof java.net.http.HttpTimeoutException) {
                        break; // the guest is slow, not gone: no grace to wait
                    }
                    Thread.sleep(WATCH_MILLIS);
                } while (System.nanoTime() < deadline);
                throw failure;
            }
        }
    }
}
