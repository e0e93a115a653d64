package io.github.unikernelfaas.rootfs;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The guest's name service in fs0: {@code /etc/hosts} (localhost and the function's own names, so that they
 * resolve with no DNS at all) and {@code /etc/resolv.conf} (the name servers). The reference kernel resolves
 * through musl's getaddrinfo, which reads exactly these two files and asks the servers over UDP port 53 through
 * lwip; lwip's own DNS client (and the server DHCP would hand it) is not on that path.
 *
 * @param servers  name server addresses (IP literals), in order; musl asks at most three
 * @param hostName the function's host name (e.g. its artifactId), mapped to the loopback address
 */
public record NameService(List<String> servers, String hostName) {
    public static final String DNS = "unikernel.dns";
    /** QEMU user networking's DNS forwarder, as the guest sees it: it relays to the host's resolvers. */
    public static final String QEMU_USER_NET_DNS = "10.0.2.3";
    /** The node name the Unikraft 0.13 kernel reports (uname, socket.gethostname()). */
    static final String UNIKRAFT_NODE_NAME = "unikraft";
    /** musl's MAXNS: it ignores servers after the third. */
    static final int MAX_SERVERS = 3;

    public NameService {
        servers = List.copyOf(servers);
        if (servers.isEmpty() || servers.size() > MAX_SERVERS) {
            throw new FunctionException(DNS + " takes one to " + MAX_SERVERS + " name server addresses separated by"
                    + " commas, not " + servers.size()).setting(DNS);
        }
    }

    /**
     * From the setting's text, e.g. {@code 10.0.2.3} or {@code 10.0.0.2,1.1.1.1}; a clear error for a host name
     * or anything that is not an IP address (the resolver cannot resolve its own server's name).
     */
    public static NameService parse(String dns, String hostName) {
        String text = dns == null || dns.isBlank() ? QEMU_USER_NET_DNS : dns;
        List<String> servers = new ArrayList<>();
        for (String s : text.split(",", -1)) { // -1: "a," has an empty second entry
            String server = s.trim();
            if (!isIpLiteral(server)) {
                throw new FunctionException(DNS + " must list name servers by IP address (e.g. " + QEMU_USER_NET_DNS
                        + ", QEMU's user network), not '" + server + "'").setting(DNS);
            }
            servers.add(server);
        }
        return new NameService(servers, hostName);
    }

    static boolean isIpLiteral(String s) {
        if (s.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            for (String part : s.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    return false;
                }
            }
            return true;
        }
        if (!s.matches("[0-9A-Fa-f:.]+") || !s.contains(":")) {
            return false;
        }
        try {
            InetAddress.getByName(s); // a literal of only these characters never triggers a lookup
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** A host name made of what a hosts file accepts (letters, digits, dots, hyphens), or empty. */
    static String hostLabel(String name) {
        String s = name == null ? "" : name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]+", "-")
                .replaceAll("^[-.]+|[-.]+$", "");
        return s.length() > 63 ? s.substring(0, 63).replaceAll("[-.]+$", "") : s;
    }

    public String resolvConf() {
        StringBuilder sb = new StringBuilder("# Written by unikernel-faas (" + DNS + ")\n");
        servers.forEach(s -> sb.append("nameserver ").append(s).append('\n'));
        // musl's defaults are 5 s and 2 attempts: a missing server would hold a handler for 10 s per name.
        sb.append("options timeout:2 attempts:2\n");
        return sb.toString();
    }

    public String hosts() {
        Set<String> names = new LinkedHashSet<>(List.of("localhost"));
        String own = hostLabel(hostName);
        if (!own.isEmpty()) {
            names.add(own);
        }
        names.add(UNIKRAFT_NODE_NAME);
        // IPv4 only: the kernel's lwip has no IPv6, and a ::1 line would hand Python an address it cannot use.
        return "# Written by unikernel-faas\n127.0.0.1\t" + String.join(" ", names) + "\n";
    }

    /** Writes {@code etc/resolv.conf} and {@code etc/hosts} at fs0's root. */
    public void write(Path fs0Root) throws IOException {
        Path etc = Files.createDirectories(fs0Root.resolve("etc"));
        Files.writeString(etc.resolve("resolv.conf"), resolvConf(), StandardCharsets.US_ASCII);
        Files.writeString(etc.resolve("hosts"), hosts(), StandardCharsets.US_ASCII);
    }
}
