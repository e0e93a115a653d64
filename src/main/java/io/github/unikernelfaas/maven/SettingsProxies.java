package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.source.ProxyRule;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.settings.Proxy;
import org.apache.maven.settings.building.SettingsProblem;
import org.apache.maven.settings.crypto.DefaultSettingsDecryptionRequest;
import org.apache.maven.settings.crypto.SettingsDecrypter;
import org.apache.maven.settings.crypto.SettingsDecryptionResult;
import org.apache.maven.plugin.logging.Log;

/** settings.xml {@code <proxies>} as proxy rules: active ones only, passwords decrypted. */
final class SettingsProxies {
    private SettingsProxies() {
    }

    static List<ProxyRule> rules(List<Proxy> proxies, SettingsDecrypter decrypter, Log log) {
        List<ProxyRule> rules = new ArrayList<>();
        if (proxies == null) {
            return rules;
        }
        for (Proxy p : proxies) {
            if (!p.isActive() || p.getHost() == null || p.getHost().isBlank()) {
                continue;
            }
            Proxy proxy = p;
            if (decrypter != null && p.getPassword() != null) {
                SettingsDecryptionResult result = decrypter.decrypt(new DefaultSettingsDecryptionRequest(p));
                for (SettingsProblem problem : result.getProblems()) {
                    log.warn("settings.xml proxy " + p.getId() + ": " + problem.getMessage());
                }
                if (result.getProxy() != null) {
                    proxy = result.getProxy();
                }
            }
            rules.add(new ProxyRule(proxy.getProtocol() == null ? "http" : proxy.getProtocol(), proxy.getHost(),
                    proxy.getPort(), proxy.getNonProxyHosts(), proxy.getUsername(), proxy.getPassword()));
        }
        return rules;
    }
}
