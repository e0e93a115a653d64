package io.github.unikernelfaas.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.source.ProxyRule;
import java.util.List;
import org.apache.maven.plugin.logging.SystemStreamLog;
import org.apache.maven.settings.Proxy;
import org.junit.jupiter.api.Test;

class SettingsProxiesTest {
    private static Proxy proxy(String id, boolean active, String protocol, String host, int port, String nonProxy) {
        Proxy p = new Proxy();
        p.setId(id);
        p.setActive(active);
        p.setProtocol(protocol);
        p.setHost(host);
        p.setPort(port);
        p.setNonProxyHosts(nonProxy);
        return p;
    }

    @Test
    void activeProxiesBecomeRulesInOrder() {
        Proxy withAuth = proxy("b", true, "https", "secure.proxy", 8443, null);
        withAuth.setUsername("user");
        withAuth.setPassword("secret");
        List<ProxyRule> rules = SettingsProxies.rules(List.of(proxy("a", false, "http", "off", 1, null),
                proxy("c", true, "http", "web.proxy", 3128, "*.corp|localhost"), withAuth), null, new SystemStreamLog());
        assertEquals(List.of(new ProxyRule("http", "web.proxy", 3128, "*.corp|localhost", null, null),
                new ProxyRule("https", "secure.proxy", 8443, null, "user", "secret")), rules);
        assertTrue(SettingsProxies.rules(null, null, new SystemStreamLog()).isEmpty());
    }
}
