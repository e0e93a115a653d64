package io.github.unikernelfaas.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal client of QEMU's machine protocol (QMP) on a Unix socket: one JSON object per line,
 * a greeting, capability negotiation, then commands whose answers may be preceded by events. Every
 * read is bounded in time, so a wedged QEMU cannot hang the build.
 */
final class Qmp implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_LINE = 1 << 20;

    private final SocketChannel channel;
    private final Selector selector;
    private final ByteBuffer in = ByteBuffer.allocate(8192);
    private final StringBuilder pending = new StringBuilder();
    private final List<String> events = new ArrayList<>();

    private Qmp(SocketChannel channel, Selector selector) {
        this.channel = channel;
        this.selector = selector;
    }

    /** Connects and negotiates capabilities; fails if QEMU does not answer within {@code timeout}. */
    static Qmp connect(Path socket, Duration timeout) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        Qmp qmp = null;
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.configureBlocking(false);
            Selector sel = Selector.open();
            ch.register(sel, SelectionKey.OP_READ);
            qmp = new Qmp(ch, sel);
            JsonNode greeting = qmp.readMessage(deadline(timeout));
            if (!greeting.has("QMP")) {
                throw new IOException("not a QMP greeting: " + greeting);
            }
            qmp.execute("qmp_capabilities", timeout);
            return qmp;
        } catch (IOException | RuntimeException e) {
            if (qmp != null) {
                qmp.close();
            } else {
                ch.close();
            }
            throw e;
        }
    }

    /** Runs a command without arguments and returns its {@code return} value. */
    JsonNode execute(String command, Duration timeout) throws IOException {
        return execute(command, null, timeout);
    }

    /** Runs a command with arguments (null for none) and returns its {@code return} value. */
    JsonNode execute(String command, java.util.Map<String, ?> arguments, Duration timeout) throws IOException {
        var message = JSON.createObjectNode().put("execute", command);
        if (arguments != null) {
            message.set("arguments", JSON.valueToTree(arguments));
        }
        write(JSON.writeValueAsString(message) + "\n");
        long deadline = deadline(timeout);
        while (true) {
            JsonNode msg = readMessage(deadline);
            if (msg.has("event")) {
                events.add(msg.get("event").asText());
            } else if (msg.has("error")) {
                throw new IOException("QMP " + command + " failed: " + msg.get("error"));
            } else if (msg.has("return")) {
                return msg.get("return");
            }
        }
    }

    /** The run state, e.g. running, paused, internal-error, guest-panicked, shutdown. */
    String status(Duration timeout) throws IOException {
        return execute("query-status", timeout).path("status").asText("unknown");
    }

    /** Events seen so far (STOP, GUEST_PANICKED, SHUTDOWN ...), oldest first. */
    List<String> events() {
        return List.copyOf(events);
    }

    private void write(String s) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        long deadline = deadline(Duration.ofSeconds(2));
        while (out.hasRemaining()) {
            if (channel.write(out) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("QMP socket did not accept a command in time");
                }
                Thread.onSpinWait();
            }
        }
    }

    private JsonNode readMessage(long deadline) throws IOException {
        while (true) {
            int nl = pending.indexOf("\n");
            if (nl >= 0) {
                String line = pending.substring(0, nl).trim();
                pending.delete(0, nl + 1);
                if (!line.isEmpty()) {
                    return JSON.readTree(line);
                }
                continue;
            }
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new IOException("QMP: no answer in time");
            }
            selector.select(left);
            selector.selectedKeys().clear();
            in.clear();
            int n = channel.read(in);
            if (n < 0) {
                throw new IOException("QMP: QEMU closed the socket");
            }
            pending.append(new String(in.array(), 0, n, StandardCharsets.UTF_8));
            if (pending.length() > MAX_LINE) {
                throw new IOException("QMP: message too long");
            }
        }
    }

    private static long deadline(Duration d) {
        return System.nanoTime() + d.toNanos();
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // Closing the channel below is what matters.
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing left to release.
        }
    }
}
