package io.github.unikernelfaas.vm;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A listener of ours on 127.0.0.1 in front of QEMU's user-network port forward. QEMU's forward listens
 * with a backlog of one, so a burst of concurrent clients loses most connections to resets; ours has a
 * real backlog. One thread serves every client with non-blocking sockets, so idle clients cost a socket
 * each and no thread. A client gets a connection to the guest only once it sends bytes, and at most
 * {@link #MAX_UPSTREAM} are open at once, opened one at a time (retrying a refused or reset connect): the
 * guest's network stack holds few connections (lwip), and clients beyond that wait in our listener, not
 * in the guest's. A client that sends nothing for the idle limit while no answer is due is closed.
 * {@link #retarget} moves new requests to another upstream (a replacement VM), and {@link #retire} ends
 * the old one's connections as their answers are delivered: a keep-alive client would otherwise stay on
 * the old VM for good.
 */
public final class PortForwarder implements AutoCloseable {
    static final int BACKLOG = 1024;
    /**
     * Connections to the guest open at once: fewer than the reference kernel's 64 lwip connections, so that its
     * network stack is never full, and enough that a few stuck ones do not hold everyone up.
     */
    static final int MAX_UPSTREAM = 32;
    /**
     * A guest connection with a request in flight and no byte back for this long is cut: past every handler
     * timeout the guest answers on its own (504), so it is stuck, and its slot goes to the next client.
     */
    static final Duration STUCK_LIMIT = Duration.ofSeconds(120);
    /** Client connections held at once; past it, the longest idle one without a request is dropped. */
    static final int MAX_CLIENTS = 8192;
    static final Duration IDLE_LIMIT = Duration.ofSeconds(30);
    private static final long CONNECT_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long CONNECT_ATTEMPT_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long RETRY_MILLIS = 20;
    /** How long a connection stays quiet after an answer before it counts as idle (retire, a freed slot). */
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int BUFFER = 32 * 1024;

    private final ServerSocketChannel listener;
    private final Selector selector;
    private final Thread loop;
    private final Consumer<String> log;
    private final int maxUpstream;
    private final int maxClients;
    private final long idleNanos;
    private volatile int upstreamPort;
    private volatile boolean closed;

    /** Every client connection, for {@link #retire} (read from other threads). */
    private final Map<SocketChannel, Link> serving = new ConcurrentHashMap<>();
    /** Links other threads want closed; the loop closes them. */
    private final Queue<Link> toClose = new ConcurrentLinkedQueue<>();
    /** Clients with bytes for the guest and no connection to it yet, first come first served. */
    private final Deque<Link> waiting = new ArrayDeque<>();
    private int upstreamOpen;
    private Link connecting;
    private long nextConnectNanos;
    private boolean acceptPaused;

    /** A client connection and, once it sent bytes, its connection to the guest. */
    private static final class Link {
        final SocketChannel client;
        SelectionKey clientKey;
        SocketChannel upstream;
        SelectionKey upstreamKey;
        /** The upstream port this link's requests go to; -1 until it has one. */
        volatile int port = -1;
        ByteBuffer toUpstream;
        ByteBuffer toClient;
        boolean clientEof;
        boolean upstreamEof;
        boolean upstreamShut;
        boolean queued;
        /** It holds one of the maxUpstream connections to the guest (connecting or open). */
        boolean slot;
        boolean done;
        long connectStart;
        long attemptStart;
        /** The client sent the last bytes: a request is on its way or being handled. */
        volatile boolean awaitingAnswer;
        volatile long lastBytesNanos = System.nanoTime();

        Link(SocketChannel client) {
            this.client = client;
        }

        boolean answerPending() {
            return toClient != null && toClient.position() > 0;
        }

        /** Quiet after an answer: nothing due either way for a while. */
        boolean quiet(long now) {
            return !awaitingAnswer && !answerPending() && now - lastBytesNanos > QUIET_NANOS;
        }
    }

    private PortForwarder(ServerSocketChannel listener, int upstreamPort, Consumer<String> log, int maxUpstream,
            int maxClients, Duration idle) throws IOException {
        this.listener = listener;
        this.upstreamPort = upstreamPort;
        this.log = log;
        this.maxUpstream = maxUpstream;
        this.maxClients = maxClients;
        this.idleNanos = idle.toNanos();
        this.selector = Selector.open();
        listener.configureBlocking(false);
        listener.register(selector, SelectionKey.OP_ACCEPT);
        this.loop = new Thread(this::run, "unikernel-faas-forward-" + port());
        loop.setDaemon(true);
    }

    /** Listens on 127.0.0.1:{@code port} and forwards every connection to 127.0.0.1:{@code upstreamPort}. */
    public static PortForwarder start(int port, int upstreamPort, Consumer<String> log) {
        return start(port, upstreamPort, log, MAX_UPSTREAM, MAX_CLIENTS, IDLE_LIMIT);
    }

    static PortForwarder start(int port, int upstreamPort, Consumer<String> log, int maxUpstream, int maxClients,
            Duration idle) {
        ServerSocketChannel s = null;
        try {
            s = ServerSocketChannel.open();
            s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), BACKLOG);
            PortForwarder f = new PortForwarder(s, upstreamPort, log, maxUpstream, maxClients, idle);
            f.loop.start();
            return f;
        } catch (IOException e) {
            if (s != null) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // Nothing was bound.
                }
            }
            throw new VmException("Could not listen on 127.0.0.1:" + port + ": " + e.getMessage()
                    + "; choose another port with -Dunikernel.port=<port>", e);
        }
    }

    public int port() {
        return listener.socket().getLocalPort();
    }

    /** Requests from now on go to 127.0.0.1:{@code port}; connections open to the guest stay where they are. */
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
            for (Link link : serving.values()) {
                if (link.port != port) {
                    continue;
                }
                left = true;
                if (link.quiet(now) || now >= deadline) {
                    toClose.add(link);
                }
            }
            selector.wakeup();
            if (!left) {
                return true;
            }
            if (now >= deadline) {
                return false;
            }
            Thread.sleep(RETRY_MILLIS);
        }
    }

    /** Whether it still accepts connections (for tests: close() must end the loop). */
    boolean listening(long waitMillis) throws InterruptedException {
        loop.join(waitMillis);
        return loop.isAlive();
    }

    /** Client connections held now (for tests). */
    int clients() {
        return serving.size();
    }

    private void run() {
        long nextSweep = System.nanoTime();
        try {
            while (!closed) {
                long now = System.nanoTime();
                long wait = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextSweep - now));
                if (!waiting.isEmpty() && connecting == null) {
                    wait = Math.max(1, Math.min(wait, TimeUnit.NANOSECONDS.toMillis(nextConnectNanos - now) + 1));
                }
                if (connecting != null) {
                    wait = Math.min(wait, 200);
                }
                selector.select(wait);
                for (SelectionKey key : selector.selectedKeys()) {
                    handle(key);
                }
                selector.selectedKeys().clear();
                Link link;
                while ((link = toClose.poll()) != null) {
                    end(link);
                }
                now = System.nanoTime();
                if (now - nextSweep >= 0) {
                    sweep(now);
                    nextSweep = now + TimeUnit.MILLISECONDS.toNanos(Math.min(1000, Math.max(10, idleNanos / 4_000_000)));
                }
                checkConnect(now);
                startConnects(now);
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                log.accept("Forwarder on 127.0.0.1:" + port() + " stopped: " + e);
            }
        } finally {
            for (Link l : new ArrayList<>(serving.values())) {
                end(l);
            }
            closeQuietly(listener);
            try {
                selector.close();
            } catch (IOException ignored) {
                // Closing is all that is left to do.
            }
        }
    }

    private void handle(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        if (key.channel() == listener) {
            accept();
            return;
        }
        Link link = (Link) key.attachment();
        if (link.done) {
            return;
        }
        try {
            if (key == link.upstreamKey && key.isConnectable()) {
                finishConnect(link);
            } else if (key == link.clientKey) {
                if (key.isReadable()) {
                    readClient(link);
                }
                if (!link.done && key.isValid() && key.isWritable()) {
                    flushToClient(link);
                }
            } else if (key == link.upstreamKey) {
                if (key.isReadable()) {
                    readUpstream(link);
                }
                if (!link.done && key.isValid() && key.isWritable()) {
                    flushToUpstream(link);
                }
            }
            if (!link.done) {
                progress(link);
            }
        } catch (IOException e) {
            if (key == link.upstreamKey && link == connecting) {
                retryConnect(link);
            } else {
                end(link);
            }
        }
    }

    private void accept() {
        while (true) {
            SocketChannel c;
            try {
                c = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.accept("Forwarder on 127.0.0.1:" + port() + ": " + e.getMessage());
                }
                return;
            }
            if (c == null) {
                return;
            }
            boolean full = serving.size() >= maxClients && !evictIdleClient();
            Link link = new Link(c);
            try {
                c.configureBlocking(false);
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                link.clientKey = c.register(selector, SelectionKey.OP_READ, link);
                serving.put(c, link);
            } catch (IOException e) {
                closeQuietly(c);
            }
            if (full) {
                // Every client has a request going: the rest wait in the listener's backlog until one ends.
                acceptPaused = true;
                listener.keyFor(selector).interestOps(0);
                return;
            }
        }
    }

    /** Drops the client idle longest that has no request going, to make room; whether there was one. */
    private boolean evictIdleClient() {
        Link oldest = null;
        for (Link l : serving.values()) {
            if (l.upstream == null && !l.queued && !l.awaitingAnswer
                    && (oldest == null || l.lastBytesNanos < oldest.lastBytesNanos)) {
                oldest = l;
            }
        }
        if (oldest != null) {
            end(oldest);
        }
        return oldest != null;
    }

    private void readClient(Link link) throws IOException {
        if (link.toUpstream == null) {
            link.toUpstream = ByteBuffer.allocate(BUFFER);
            link.toClient = ByteBuffer.allocate(BUFFER);
        }
        int n = link.client.read(link.toUpstream);
        if (n < 0) {
            link.clientEof = true;
        } else if (n > 0) {
            link.awaitingAnswer = true;
            link.lastBytesNanos = System.nanoTime();
            if (link.upstream == null && !link.queued) {
                link.queued = true;
                waiting.add(link);
            }
        }
    }

    private void readUpstream(Link link) throws IOException {
        int n = link.upstream.read(link.toClient);
        if (n < 0) {
            link.upstreamEof = true;
        } else if (n > 0) {
            link.awaitingAnswer = false;
            link.lastBytesNanos = System.nanoTime();
        }
    }

    private void flushToClient(Link link) throws IOException {
        if (drain(link.toClient, link.client)) {
            link.lastBytesNanos = System.nanoTime();
        }
    }

    private void flushToUpstream(Link link) throws IOException {
        if (link.upstream != null && link.upstream.isConnected() && drain(link.toUpstream, link.upstream)) {
            link.lastBytesNanos = System.nanoTime();
        }
    }

    /** Writes what {@code buf} holds (in fill mode) to {@code to}; whether any bytes went. */
    private static boolean drain(ByteBuffer buf, SocketChannel to) throws IOException {
        if (buf == null || buf.position() == 0) {
            return false;
        }
        buf.flip();
        int n;
        try {
            n = to.write(buf);
        } finally {
            buf.compact();
        }
        return n > 0;
    }

    /** Moves bytes as far as they go without waiting, ends a finished link, and sets what to wait for. */
    private void progress(Link link) throws IOException {
        boolean connected = link.upstream != null && link.upstream.isConnected();
        if (connected) {
            flushToUpstream(link);
            if (link.clientEof && link.toUpstream.position() == 0 && !link.upstreamShut) {
                link.upstreamShut = true;
                link.upstream.shutdownOutput();
            }
        }
        flushToClient(link);
        boolean clientDone = link.clientEof && (link.toUpstream == null || link.toUpstream.position() == 0);
        if (link.upstreamEof && !link.answerPending()) {
            // The guest ended it and the client has all of it: the slot is free for others.
            end(link);
            return;
        }
        if (clientDone && (link.upstream == null || link.upstreamEof)) {
            end(link);
            return;
        }
        int clientOps = 0;
        if (!link.clientEof && (link.toUpstream == null || link.toUpstream.hasRemaining())) {
            clientOps |= SelectionKey.OP_READ;
        }
        if (link.answerPending()) {
            clientOps |= SelectionKey.OP_WRITE;
        }
        link.clientKey.interestOps(clientOps);
        if (connected) {
            int upOps = 0;
            if (!link.upstreamEof && link.toClient.hasRemaining()) {
                upOps |= SelectionKey.OP_READ;
            }
            if (link.toUpstream.position() > 0) {
                upOps |= SelectionKey.OP_WRITE;
            }
            link.upstreamKey.interestOps(upOps);
        }
    }

    /** One connect at a time (QEMU's forward has a backlog of one), at most maxUpstream open. */
    private void startConnects(long now) {
        while (connecting == null && !waiting.isEmpty() && now - nextConnectNanos >= 0) {
            Link link = waiting.peek();
            if (link.done) {
                waiting.poll();
                continue;
            }
            if (upstreamOpen >= maxUpstream && !freeAQuietSlot(now)) {
                return;
            }
            waiting.poll();
            link.queued = false;
            link.port = upstreamPort;
            if (link.connectStart == 0) {
                link.connectStart = now;
            }
            link.slot = true;
            upstreamOpen++;
            connect(link, now);
        }
    }

    /** A keep-alive connection quiet after its answer gives its slot to a waiting client. */
    private boolean freeAQuietSlot(long now) {
        for (Link l : serving.values()) {
            if (l.upstream != null && l != connecting && l.quiet(now)) {
                end(l);
                return true;
            }
        }
        return false;
    }

    private void connect(Link link, long now) {
        connecting = link;
        link.attemptStart = now;
        try {
            SocketChannel up = SocketChannel.open();
            link.upstream = up;
            up.configureBlocking(false);
            up.setOption(StandardSocketOptions.TCP_NODELAY, true);
            link.upstreamKey = up.register(selector, SelectionKey.OP_CONNECT, link);
            if (up.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), link.port))) {
                finishConnect(link);
                progress(link);
            }
        } catch (IOException e) {
            retryConnect(link);
        }
    }

    private void finishConnect(Link link) throws IOException {
        if (link.upstream.finishConnect()) {
            connecting = null;
            link.upstreamKey.interestOps(SelectionKey.OP_READ);
        }
    }

    /** A refused, reset or slow connect: again shortly, until the window closes. */
    private void retryConnect(Link link) {
        if (link.upstreamKey != null) {
            link.upstreamKey.cancel();
        }
        closeQuietly(link.upstream);
        link.upstream = null;
        link.upstreamKey = null;
        long now = System.nanoTime();
        if (closed || now - link.connectStart > CONNECT_WINDOW_NANOS) {
            end(link);
            return;
        }
        connecting = null;
        link.slot = false;
        upstreamOpen--;
        link.queued = true;
        waiting.addFirst(link);
        nextConnectNanos = now + TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS);
    }

    private void checkConnect(long now) {
        Link link = connecting;
        if (link != null && (link.done || now - link.attemptStart > CONNECT_ATTEMPT_NANOS)) {
            if (link.done) {
                connecting = null;
            } else {
                retryConnect(link);
            }
        }
    }

    /** Closes clients idle past the limit (nothing sent, no answer due) and guest connections stuck past theirs. */
    private void sweep(long now) {
        for (Link l : new ArrayList<>(serving.values())) {
            if (!l.awaitingAnswer && !l.answerPending() && now - l.lastBytesNanos > idleNanos) {
                end(l);
            } else if (l.slot && l.awaitingAnswer && now - l.lastBytesNanos > STUCK_LIMIT.toNanos()) {
                log.accept("A request got no byte from the guest for " + STUCK_LIMIT.toSeconds() + " s: its"
                        + " connection is closed so that others can use it");
                end(l);
            }
        }
    }

    private void end(Link link) {
        if (link.done) {
            return;
        }
        link.done = true;
        if (link == connecting) {
            connecting = null;
        }
        if (link.slot) {
            link.slot = false;
            upstreamOpen--;
        }
        closeQuietly(link.client);
        closeQuietly(link.upstream);
        serving.remove(link.client);
        if (acceptPaused && !closed) {
            acceptPaused = false;
            listener.keyFor(selector).interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    private static void closeQuietly(java.nio.channels.Channel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // Closing is all that is left to do.
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            loop.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (loop.isAlive()) {
            closeQuietly(listener);
        }
    }
}
