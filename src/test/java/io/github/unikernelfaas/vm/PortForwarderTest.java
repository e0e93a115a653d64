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
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

    /** Answers "<name>: <line>" to every line of a connection, after {@code delayMillis}; connections at once. */
    private int startKeepAliveUpstream(String name, long delayMillis) throws Exception {
        ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        upstreams.add(upstream);
        Thread t = new Thread(() -> {
            while (!stop.get()) {
                try {
                    Socket s = upstream.accept();
                    Thread c = new Thread(() -> {
                        try (s) {
                            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                                    StandardCharsets.UTF_8));
                            String line;
                            while ((line = in.readLine()) != null) {
                                Thread.sleep(delayMillis);
                                s.getOutputStream().write((name + ": " + line + "\n").getBytes(StandardCharsets.UTF_8));
                            }
                        } catch (Exception e) {
                            // closed
                        }
                    });
                    c.setDaemon(true);
                    c.start();
                } catch (Exception e) {
                    // the end of the test
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return upstream.getLocalPort();
    }

    @Test
    void afterRetargetingNewClientsGoToTheNewUpstreamAndTheOldOnesEndOnceAnswered() throws Exception {
        int old = startKeepAliveUpstream("old", 1500);
        int replacement = startKeepAliveUpstream("new", 0);
        try (PortForwarder f = PortForwarder.start(Ports.free(), old, s -> { });
                Socket keepAlive = new Socket(InetAddress.getLoopbackAddress(), f.port());
                Socket inFlight = new Socket(InetAddress.getLoopbackAddress(), f.port())) {
            keepAlive.setSoTimeout(30_000);
            inFlight.setSoTimeout(30_000);
            BufferedReader keepAliveIn = new BufferedReader(new InputStreamReader(keepAlive.getInputStream(),
                    StandardCharsets.UTF_8));
            keepAlive.getOutputStream().write("k\n".getBytes(StandardCharsets.UTF_8));
            assertEquals("old: k", keepAliveIn.readLine(), "a keep-alive client, answered, idle on the old upstream");
            inFlight.getOutputStream().write("slow\n".getBytes(StandardCharsets.UTF_8));
            Thread.sleep(300); // the request reaches the old upstream, which takes 1.5 s to answer

            f.retarget(replacement);
            assertEquals("new: b", ask(f.port(), "b"), "a new client goes to the new upstream");
            long t0 = System.nanoTime();
            assertTrue(f.retire(old, java.time.Duration.ofSeconds(20)), "no connection had to be cut off");
            assertTrue(System.nanoTime() - t0 > TimeUnit.MILLISECONDS.toNanos(500), "retire waited for the answer");
            assertEquals("old: slow", new BufferedReader(new InputStreamReader(inFlight.getInputStream(),
                    StandardCharsets.UTF_8)).readLine(), "the request in flight was answered by the old upstream");
            assertEquals(null, keepAliveIn.readLine(), "the idle keep-alive connection was ended");
        }
    }

    @Test
    void retiringCutsOffWhatIsStillOpenAtTheDeadline() throws Exception {
        int old = startKeepAliveUpstream("old", 10_000);
        int replacement = startKeepAliveUpstream("new", 0);
        try (PortForwarder f = PortForwarder.start(Ports.free(), old, s -> { });
                Socket stuck = new Socket(InetAddress.getLoopbackAddress(), f.port())) {
            stuck.setSoTimeout(30_000);
            stuck.getOutputStream().write("never\n".getBytes(StandardCharsets.UTF_8));
            Thread.sleep(300);
            f.retarget(replacement);
            assertFalse(f.retire(old, java.time.Duration.ofMillis(500)), "one connection had to be cut off");
            assertEquals(-1, stuck.getInputStream().read(), "the client sees the end");
        }
    }

    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger concurrent = new AtomicInteger();
    private final AtomicInteger mostConcurrent = new AtomicInteger();

    /** As {@link #startKeepAliveUpstream}, counting connections in all, and the most requests handled at once. */
    private int startCountingUpstream(long delayMillis) throws Exception {
        ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        upstreams.add(upstream);
        Thread t = new Thread(() -> {
            while (!stop.get()) {
                try {
                    Socket s = upstream.accept();
                    accepted.incrementAndGet();
                    Thread c = new Thread(() -> {
                        try (s) {
                            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                                    StandardCharsets.UTF_8));
                            String line;
                            while ((line = in.readLine()) != null) {
                                mostConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
                                Thread.sleep(delayMillis);
                                concurrent.decrementAndGet();
                                s.getOutputStream().write(("echo: " + line + "\n").getBytes(StandardCharsets.UTF_8));
                            }
                        } catch (Exception e) {
                            // closed
                        }
                    });
                    c.setDaemon(true);
                    c.start();
                } catch (Exception e) {
                    // the end of the test
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return upstream.getLocalPort();
    }

    @Test
    void thousandsOfIdleClientsNeitherDelayARequestNorCostAThreadOrAGuestConnection() throws Exception {
        int up = startCountingUpstream(0);
        List<Socket> idle = new ArrayList<>();
        try (PortForwarder f = PortForwarder.start(Ports.free(), up, s -> { })) {
            int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
            for (int i = 0; i < 3000; i++) {
                idle.add(new Socket(InetAddress.getLoopbackAddress(), f.port()));
            }
            for (int i = 0; i < 600 && f.clients() < 3000; i++) {
                Thread.sleep(50);
            }
            assertEquals(3000, f.clients(), "every idle client was accepted");
            assertEquals("echo: normal", ask(f.port(), "normal"), "a request beside 3000 idle clients is answered");
            int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
            assertTrue(threadsAfter - threadsBefore <= 5, "threads: " + threadsBefore + " before, " + threadsAfter
                    + " with 3000 idle clients");
            assertEquals(1, accepted.get(), "the idle clients opened no connection to the guest");
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    @Test
    void connectionsToTheGuestAreCappedAndTheClientsBeyondWaitTheirTurn() throws Exception {
        int up = startCountingUpstream(200);
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try (PortForwarder f = PortForwarder.start(Ports.free(), up, s -> { }, 3, 100, Duration.ofSeconds(30))) {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String word = "client-" + i;
                answers.add(pool.submit(() -> ask(f.port(), word)));
            }
            for (int i = 0; i < 12; i++) {
                assertEquals("echo: client-" + i, answers.get(i).get(60, TimeUnit.SECONDS));
            }
            assertEquals(12, accepted.get(), "each client had its own connection to the guest");
            assertTrue(mostConcurrent.get() <= 3, "at most 3 requests reached the guest at once, saw " + mostConcurrent.get());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aKeepAliveClientQuietAfterItsAnswerGivesUpItsGuestConnectionToAWaitingClient() throws Exception {
        int up = startCountingUpstream(0);
        try (PortForwarder f = PortForwarder.start(Ports.free(), up, s -> { }, 1, 100, Duration.ofSeconds(30));
                Socket keepAlive = new Socket(InetAddress.getLoopbackAddress(), f.port())) {
            keepAlive.setSoTimeout(30_000);
            keepAlive.getOutputStream().write("k\n".getBytes(StandardCharsets.UTF_8));
            BufferedReader in = new BufferedReader(new InputStreamReader(keepAlive.getInputStream(),
                    StandardCharsets.UTF_8));
            assertEquals("echo: k", in.readLine());
            assertEquals("echo: next", ask(f.port(), "next"), "the only slot went to the waiting client");
            assertEquals(null, in.readLine(), "the quiet keep-alive connection was ended");
        }
    }

    @Test
    void aClientThatSendsNothingIsClosedAfterTheIdleLimitButOneAwaitingAnAnswerIsNot() throws Exception {
        int up = startCountingUpstream(1500);
        try (PortForwarder f = PortForwarder.start(Ports.free(), up, s -> { }, 8, 100, Duration.ofMillis(300));
                Socket silent = new Socket(InetAddress.getLoopbackAddress(), f.port())) {
            silent.setSoTimeout(30_000);
            assertEquals("echo: slow", ask(f.port(), "slow"), "an answer slower than the idle limit arrives");
            assertEquals(-1, silent.getInputStream().read(), "the silent client was closed");
        }
    }

    @Test
    void pastTheClientCapTheLongestIdleClientMakesRoom() throws Exception {
        int up = startCountingUpstream(0);
        List<Socket> idle = new ArrayList<>();
        try (PortForwarder f = PortForwarder.start(Ports.free(), up, s -> { }, 8, 5, Duration.ofSeconds(30))) {
            for (int i = 0; i < 5; i++) {
                idle.add(new Socket(InetAddress.getLoopbackAddress(), f.port()));
            }
            for (int i = 0; i < 600 && f.clients() < 5; i++) {
                Thread.sleep(50);
            }
            assertEquals("echo: more", ask(f.port(), "more"), "a sixth client is served");
            assertTrue(f.clients() <= 5, "clients held: " + f.clients());
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }
}
