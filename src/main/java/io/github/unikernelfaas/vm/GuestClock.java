package io.github.unikernelfaas.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * The rate of the guest's clock against the host's, from two {@code GET /health?clock} answers (the wrapper adds
 * its {@code time.monotonic()}) some time apart. Unikraft 0.13 calibrates its TSC against the PIT at boot; under
 * TCG on a loaded host a bad estimate has made the guest clock run 1.2-1.9x slow, so every sleep, handler time
 * limit and timestamp in the guest drifts by as much for the whole run.
 */
public final class GuestClock {
    /** Off by more than this, the boot is skewed. */
    public static final double TOLERANCE = 0.02;
    /** The host's interval between the two answers: 1 s keeps a 10 ms round trip to a 1 % uncertainty. */
    static final Duration GAP = Duration.ofSeconds(1);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private GuestClock() {
    }

    /** One answer: the guest's monotonic seconds, and the host's nanoTime just before the request and after the answer. */
    record Sample(long sentNanos, double guestSeconds, long receivedNanos) {
    }

    /**
     * The measured rate (guest seconds per host second) and its bounds: the host does not know when within each
     * round trip the guest read its clock, so the host interval lies between the inner and outer ends of the two.
     */
    public record Rate(double rate, double low, double high) {
        /** Skewed only when even the most favourable bound is off by more than the tolerance. */
        public boolean skewed() {
            return low > 1 + TOLERANCE || high < 1 - TOLERANCE;
        }

        /** E.g. "0.53x the host's (47 % slow)". */
        public String describe() {
            double off = (rate - 1) * 100;
            return String.format("%.3fx the host's (%.1f %% %s)", rate, Math.abs(off), off < 0 ? "slow" : "fast");
        }
    }

    /** The rate from two samples, or empty when they cannot give one (the guest clock went back, no time passed). */
    static Optional<Rate> rate(Sample a, Sample b) {
        double guest = b.guestSeconds() - a.guestSeconds();
        double inner = (b.sentNanos() - a.receivedNanos()) / 1e9;
        double outer = (b.receivedNanos() - a.sentNanos()) / 1e9;
        double mid = ((b.sentNanos() + b.receivedNanos()) - (a.sentNanos() + a.receivedNanos())) / 2e9;
        if (guest <= 0 || inner <= 0 || mid <= 0) {
            return Optional.empty();
        }
        return Optional.of(new Rate(guest / mid, guest / outer, guest / inner));
    }

    /** The guest's monotonic seconds in a /health?clock body, if it has them (a wrapper from before has not). */
    static Optional<Double> monotonic(String body) {
        try {
            JsonNode n = JSON.readTree(body).path("monotonic");
            return n.isNumber() ? Optional.of(n.asDouble()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Measures the running guest's clock rate; empty (the reason told to {@code why}) when it cannot. */
    public static Optional<Rate> measure(VirtualMachine vm, HttpClient client, Duration gap,
            java.util.function.Consumer<String> why) throws InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + vm.config().guest().hostPort() + "/health?clock");
        try {
            Sample a = sample(client, uri);
            Thread.sleep(gap.toMillis());
            Sample b = sample(client, uri);
            Optional<Rate> r = rate(a, b);
            if (r.isEmpty()) {
                why.accept("the guest's clock did not advance between two answers");
            }
            return r;
        } catch (IOException e) {
            why.accept(e.getMessage());
            return Optional.empty();
        }
    }

    private static Sample sample(HttpClient client, URI uri) throws IOException, InterruptedException {
        long sent = System.nanoTime();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(PROBE_TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        long received = System.nanoTime();
        if (r.statusCode() != 200) {
            throw new IOException(uri + " answered HTTP " + r.statusCode());
        }
        double guest = monotonic(r.body()).orElseThrow(() -> new IOException(uri + " carries no \"monotonic\" (a"
                + " wrapper from before this plugin version?): " + r.body()));
        return new Sample(sent, guest, received);
    }
}
