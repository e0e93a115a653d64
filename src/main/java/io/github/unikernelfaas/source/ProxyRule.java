package io.github.unikernelfaas.source;

/**
 * One proxy, as settings.xml {@code <proxy>} describes it.
 *
 * @param protocol      the URL scheme it serves: {@code http} or {@code https} (https falls back to an http rule)
 * @param host          proxy host
 * @param port          proxy port
 * @param nonProxyHosts hosts reached directly, separated by {@code |} or {@code ,}, {@code *} as wildcard
 * @param username      for proxy authentication, or null
 * @param password      for proxy authentication, or null
 */
public record ProxyRule(String protocol, String host, int port, String nonProxyHosts, String username,
        String password) {
    @Override
    public String toString() {
        return protocol + " proxy " + host + ":" + port;
    }
}
