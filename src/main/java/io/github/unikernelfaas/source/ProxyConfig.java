package io.github.unikernelfaas.source;

import java.io.IOException;
import java.net.Authenticator;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Proxies from settings.xml for the JDK HttpClient, chosen like Maven's resolver does: the first active
 * proxy whose protocol is the URL's scheme (for https, else the first http one) unless the host matches
 * its nonProxyHosts.
 */
public final class ProxyConfig {
    private final List<ProxyRule> rules;

    public ProxyConfig(List<ProxyRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** The proxy rule for {@code uri}, or null for a direct connection. */
    public ProxyRule ruleFor(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost();
        ProxyRule fallback = null;
        for (ProxyRule rule : rules) {
            if (nonProxy(host, rule.nonProxyHosts())) {
                continue;
            }
            String protocol = rule.protocol() == null ? "http" : rule.protocol().toLowerCase(Locale.ROOT);
            if (protocol.equals(scheme)) {
                return rule;
            }
            if (fallback == null && scheme.equals("https") && protocol.equals("http")) {
                fallback = rule;
            }
        }
        return fallback;
    }

    /** A selector for HttpClient; with no rules it delegates to {@code fallback} (may be null: direct). */
    public ProxySelector selector(ProxySelector fallback) {
        return new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                if (rules.isEmpty() && fallback != null) {
                    return fallback.select(uri);
                }
                ProxyRule rule = ruleFor(uri);
                if (rule == null) {
                    return List.of(Proxy.NO_PROXY);
                }
                return List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(rule.host(), rule.port())));
            }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
                // The downloader reports the failure.
            }
        };
    }

    /** Answers proxy authentication challenges from the rules' credentials; null when no rule has any. */
    public Authenticator authenticator() {
        List<ProxyRule> withCredentials = new ArrayList<>();
        for (ProxyRule rule : rules) {
            if (rule.username() != null && !rule.username().isEmpty()) {
                withCredentials.add(rule);
            }
        }
        if (withCredentials.isEmpty()) {
            return null;
        }
        return new Authenticator() {
            @Override
            protected PasswordAuthentication getPasswordAuthentication() {
                if (getRequestorType() != RequestorType.PROXY) {
                    return null;
                }
                for (ProxyRule rule : withCredentials) {
                    if (rule.host().equalsIgnoreCase(getRequestingHost()) && rule.port() == getRequestingPort()) {
                        String password = rule.password() == null ? "" : rule.password();
                        return new PasswordAuthentication(rule.username(), password.toCharArray());
                    }
                }
                return null;
            }
        };
    }

    /** Maven's nonProxyHosts matching: {@code |} or {@code ,} separated, {@code *} wildcards, case-insensitive. */
    static boolean nonProxy(String host, String nonProxyHosts) {
        if (nonProxyHosts == null || nonProxyHosts.isBlank() || host.isEmpty()) {
            return false;
        }
        for (String pattern : nonProxyHosts.split("[|,]")) {
            String p = pattern.trim();
            if (p.isEmpty()) {
                continue;
            }
            StringBuilder regex = new StringBuilder();
            for (String part : p.split("\\*", -1)) {
                if (regex.length() > 0) {
                    regex.append(".*");
                }
                regex.append(Pattern.quote(part));
            }
            if (Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE).matcher(host).matches()) {
                return true;
            }
        }
        return false;
    }
}
