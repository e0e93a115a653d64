package io.github.unikernelfaas.vm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A listener of ours on 127.0.0.1 in front of QEMU's user-network port forward. QEMU's forward listens
 * with a backlog of one, so a burst of concurrent clients loses most connections to resets; ours has a
 * real backlog, holds each client while it opens the way to the guest one connection at a time (retrying
 * a refused or reset connect), then copies bytes both ways. {@link #retarget} moves new connections to
 * another upstream (a replacement VM), and {@link #retire} ends the old one's connections as their
 * answers are delivered: a keep-alive client would otherwise stay on the old VM for good.
 */
public final class PortForwarder implements AutoCloseable {
    static final int BACKLOG = 1024;
    private static final long CONNECT_WINDOW_MILLIS = 30_000;
    private static final long RETRY_MILLIS = 20;

    private final ServerSocket listener;
    private volatile int upstreamPort;
    private final Consumer<String> log;
    private final Semaphore connecting = new Semaphore(1);
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** Each client connection being served, for {@link #retire}. */
    private final Map<Socket, Link> serving = new ConcurrentHashMap<>();

    /** A client connection: its upstream port, and which way bytes went last (HTTP/1.1: request or answer). */
    private static final class Link {
        final int port;
        volatile Socket upstream;
        /** The client sent the last bytes: a request is on its way or being handled. */
        volatile boolean awaitingAnswer;
        volatile long lastBytesNanos = System.nanoTime();

        Link(int port) {
            this.port = port;
        }
    }
    private final Thread acceptor;
    private volatile boolean closed;

    private PortForwarder(ServerSocket listener, int upstreamPort, Consumer<String> log) {
        this.listener = listener;
        this.upstreamPort = upstreamPort;
        this.log = log;
        this.acceptor = new Thread(this::acceptLoop, "unikernel-faas-forward-" + listener.getLocalPort());
        acceptor.setDaemon(true);
    }

    /** Listens on 127.0.0.1:{@code port} and forwards every connection to 127.0.0.1:{@code upstreamPort}. */
    public static PortForwarder start(int port, int upstreamPort, Consumer<String> log) {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), BACKLOG);
            PortForwarder f = new PortForwarder(s, upstreamPort, log);
            f.acceptor.start();
            return f;
        } catch (IOException e) {
            throw new VmException("Could not listen on 127.0.0.1:" + port + ": " + e.getMessage()
                    + "; choose another port with -Dunikernel.port=<port>", e);
        }
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Connections accepted from now on go to 127.0.0.1:{@code port}; open ones stay where they are. */
    public void retarget(int port) {
        upstreamPort = port;
    }

    /**
     * Ends the connections served by 127.0.0.1:{@code port} (the old upstream after {@link #retarget}) once
     * each is quiet after an answer: a request in progress is answered first, and a keep-alive client's
     * next request opens a new connection, to the new upstream. After {@code max} the rest are cut off.
     * Returns whether none had to be.
     */
    public boolean retire(int port, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            boolean left = false;
            long now = System.nanoTime();
            for (Map.Entry<Socket, Link> e : serving.entrySet()) {
                Link link = e.getValue();
                if (link.port != port) {
                    continue;
                }
                left = true;
                boolean quiet = !link.awaitingAnswer && now - link.lastBytesNanos > QUIET_NANOS;
                if (quiet || now >= deadline) {
                    closeQuietly(e.getKey());
                    closeQuietly(link.upstream);
                }
            }
            if (!left) {
                return true;
            }
            if (now >= deadline) {
                return false;
            }
            Thread.sleep(RETRY_MILLIS);
        }
    }

    /** How long a connection stays quiet after an answer before {@link #retire} takes it for idle. */
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Whether it still accepts connections (for tests: close() must end the accept loop). */
    boolean listening(long waitMillis) throws InterruptedException {
        acceptor.join(waitMillis);
        return acceptor.isAlive();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                open.add(client);
                Thread t = new Thread(() -> serve(client), "unikernel-faas-forward-client");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) {
                    log.accept("Forwarder on 127.0.0.1:" + port() + ": " + e.getMessage());
                }
            }
        }
    }

    private void serve(Socket client) {
        Socket upstream = null;
        Link link = new Link(upstreamPort);
        serving.put(client, link);
        try {
            upstream = connectUpstream(link.port);
            if (upstream == null) {
                return;
            }
            open.add(upstream);
            link.upstream = upstream;
            Socket up = upstream;
            Thread back = new Thread(() -> pump(up, client, link, false), "unikernel-faas-forward-back");
            back.setDaemon(true);
            back.start();
            pump(client, upstream, link, true);
            back.join(TimeUnit.MINUTES.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(client);
            closeQuietly(upstream);
            serving.remove(client);
        }
    }

    /** One connect at a time, retried while QEMU's one-slot backlog refuses or resets it. */
    private Socket connectUpstream(int port) throws InterruptedException {
        long deadline = System.currentTimeMillis() + CONNECT_WINDOW_MILLIS;
        connecting.acquire();
        try {
            while (!closed && System.currentTimeMillis() < deadline) {
                Socket s = new Socket();
                try {
                    s.setTcpNoDelay(true);
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
                    return s;
                } catch (IOException e) {
                    closeQuietly(s);
                    Thread.sleep(RETRY_MILLIS);
                }
            }
            return null;
        } finally {
            connecting.release();
        }
    }

    /** Copies until EOF, then half-closes the other side so the peer sees the end too. */
    private void pump(Socket from, Socket to, Link link, boolean request) {
        byte[] buf = new byte[64 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                link.awaitingAnswer = request;
                out.write(buf, 0, n);
                out.flush();
                link.lastBytesNanos = System.nanoTime();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(to);
        }
    }

    private void closeQuietly(Socket s) {
        if (s != null) {
            open.remove(s);
            try {
                s.close();
            } catch (IOException ignored) {
                // Closing is all that is left to do.
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // The acceptor ends either way.
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
    }
}
