package io.github.unikernelfaas.invoke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Against a one-request-at-a-time server on loopback, like the guest's wrapper. */
class EventRunnerTest {
    private HttpServer server;
    private final List<String> log = new ArrayList<>();

    /** A server whose handler sleeps {@code slowMillis} for a body of "slow"; one request at a time. */
    private FunctionClient serve(long slowMillis, Duration invokeTimeout) throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.createContext("/", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            if (new String(body, StandardCharsets.UTF_8).contains("slow")) {
                try {
                    Thread.sleep(slowMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] out = "{\"ok\": true}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        server.start(); // the default executor handles one exchange at a time, like the wrapper
        return new FunctionClient(FunctionClient.newHttpClient(), server.getAddress().getPort(), invokeTimeout);
    }

    private static EventCase event(String name, String body) {
        return new EventCase(name, null, body.getBytes(StandardCharsets.UTF_8), null, null);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void afterATimeoutTheNextCaseWaitsForTheGuestInsteadOfTimingOutToo() throws Exception {
        FunctionClient client = serve(2500, Duration.ofSeconds(2));
        List<CaseResult> r = EventRunner.run(List.of(event("a-slow", "slow"), event("b-ok", "{}")), client,
                log::add);
        assertFalse(r.get(0).passed());
        assertTrue(r.get(0).message().contains("no answer within the invocation timeout"), r.get(0).message());
        assertTrue(r.get(1).passed(), "the second case ran once the first had finished: " + r.get(1).message());
    }

    @Test
    void aGuestStillBusyMeansTheNextCasesAreNotRunAndSaySo() throws Exception {
        FunctionClient client = serve(6000, Duration.ofSeconds(1));
        List<CaseResult> r = EventRunner.run(List.of(event("a-slow", "slow"), event("b-ok", "{}")), client,
                log::add);
        assertEquals(2, r.size());
        assertTrue(r.get(1).message().startsWith("not run: the VM was still busy with a-slow"), r.get(1).message());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("FAIL b-ok: not run")), log.toString());
    }
}
