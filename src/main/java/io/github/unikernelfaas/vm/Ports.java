package io.github.unikernelfaas.vm;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Host ports on 127.0.0.1 for QEMU's port forward. */
public final class Ports {
    private Ports() {
    }

    /** A port that was free a moment ago; QEMU binds it right after. */
    public static int free() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new VmException("Could not find a free port on 127.0.0.1: " + e.getMessage(), e);
        }
    }

    /** Fails with a clear message when a fixed port is already taken. */
    public static void requireFree(int port, String property) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new VmException("Port " + port + " on 127.0.0.1 is already in use: stop what is listening there"
                    + " (e.g. `ss -ltnp 'sport = :" + port + "'`) or choose another port with -D" + property + "=<port>");
        }
    }
}
