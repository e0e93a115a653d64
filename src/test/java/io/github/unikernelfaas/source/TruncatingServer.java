package io.github.unikernelfaas.source;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A minimal HTTP/1.1 server on 127.0.0.1 on a raw socket, for what com.sun.net.httpserver cannot do: announce
 * a Content-Length, send only half the body and close the connection.
 */
final class TruncatingServer implements AutoCloseable {
    private final ServerSocket socket;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final Set<String> truncated = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    TruncatingServer() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::acceptLoop, "truncating-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/");
    }

    TruncatingServer put(String path, byte[] bytes, boolean truncate) {
        files.put(path, bytes);
        if (truncate) {
            truncated.add(path);
        } else {
            truncated.remove(path);
        }
        return this;
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try (Socket s = socket.accept()) {
                s.setSoTimeout(10_000);
                serve(s);
            } catch (IOException e) {
                // closed, or a client gone: next
            }
        }
    }

    /** One request per connection; always closes it afterwards. */
    private void serve(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        String requestLine = in.readLine();
        if (requestLine == null) {
            return;
        }
        String line;
        while ((line = in.readLine()) != null && !line.isEmpty()) {
            // skip headers
        }
        String path = requestLine.split(" ")[1];
        byte[] body = files.get(path);
        OutputStream out = s.getOutputStream();
        if (body == null) {
            out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return;
        }
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(body, 0, truncated.contains(path) ? body.length / 2 : body.length);
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
