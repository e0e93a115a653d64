package io.github.unikernelfaas.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The forwarder in front of a one-at-a-time upstream with a backlog of one, like QEMU's port forward. */
class PortForwarderTest {
    private final List<ServerSocket> upstreams = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();

    /** Reads a line, answers "echo: <line>" and closes; one connection at a time. */
    private int startUpstream() throws Exception {
        return startUpstream("echo");
    }

    /** As above, answering "<name>: <line>". */
    private int startUpstream(String name) throws Exception {
        ServerSocket upstream = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        upstreams.add(upstream);
        Thread t = new Thread(() -> {
            while (!stop.get()) {
                try (Socket s = upstream.accept()) {
                    String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))
                            .readLine();
                    s.getOutputStream().write((name + ": " + line + "\n").getBytes(StandardCharsets.UTF_8));
                } catch (Exception e) {
                    // the next connection, or the end of the test
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return upstream.getLocalPort();
    }

    @AfterEach
    void stopUpstream() throws Exception {
        stop.set(true);
        for (ServerSocket upstream : upstreams) {
            upstream.close();
        }
    }

    private static String ask(int port, String what) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write((what + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
        }
    }

    @Test
    void everyOneOfABurstOfClientsGetsItsOwnAnswer() throws Exception {
        int up = startUpstream();
        ExecutorService pool = Executors.newFixedThreadPool(30);
        try (PortForwarder f = PortForwarder.start(Ports.free(), up, s -> { })) {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                String word = "client-" + i;
                answers.add(pool.submit(() -> ask(f.port(), word)));
            }
            for (int i = 0; i < 30; i++) {
                assertEquals("echo: client-" + i, answers.get(i).get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closingStopsListening() throws Exception {
        int up = startUpstream();
        PortForwarder f = PortForwarder.start(Ports.free(), up, s -> { });
        int port = f.port();
        assertTrue(ask(port, "x").startsWith("echo: x"));
        f.close();
        assertFalse(f.listening(5000), "the accept loop ended with close()");
    }

    @Test
    void aTakenPortSaysWhichSettingToChange() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            VmException e = assertThrows(VmException.class, () -> PortForwarder.start(taken.getLocalPort(), 1, s -> { }));
            assertTrue(e.getMessage().contains("-Dunikernel.port="), e.getMessage());
        }
    }

    @Test
    void retargetingSendsNewClientsToTheNewUpstreamWhileOpenOnesFinishOnTheOld() throws Exception {
        int old = startUpstream("old");
        int replacement = startUpstream("new");
        try (PortForwarder f = PortForwarder.start(Ports.free(), old, s -> { })) {
            assertEquals("old: a", ask(f.port(), "a"));
            assertTrue(f.awaitIdle(old, java.time.Duration.ofSeconds(10)), "the first client is done");
            try (Socket held = new Socket(InetAddress.getLoopbackAddress(), f.port())) {
                held.setSoTimeout(60_000);
                // The held client reaches the old upstream before the switch.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (f.awaitIdle(old, java.time.Duration.ZERO) && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                f.retarget(replacement);
                assertEquals("new: b", ask(f.port(), "b"));
                assertFalse(f.awaitIdle(old, java.time.Duration.ofMillis(200)), "a client is still on the old upstream");

                held.getOutputStream().write("c\n".getBytes(StandardCharsets.UTF_8));
                held.getOutputStream().flush();
                assertEquals("old: c", new BufferedReader(new InputStreamReader(held.getInputStream(),
                        StandardCharsets.UTF_8)).readLine(), "an open connection finishes where it started");
            }
            assertTrue(f.awaitIdle(old, java.time.Duration.ofSeconds(10)), "the old upstream drains");
            assertTrue(f.awaitIdle(replacement, java.time.Duration.ofSeconds(10)));
        }
    }
}
