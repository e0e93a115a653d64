package io.github.unikernelfaas.invoke;

import io.github.unikernelfaas.guest.GuestContract;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

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
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        long t0 = System.nanoTime();
        HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        double millis = (System.nanoTime() - t0) / 1e6;
        String type = r.headers().firstValue("Content-Type").orElse("");
        return new Invocation(r.statusCode(), type, new String(r.body(), StandardCharsets.UTF_8), millis);
    }
}
