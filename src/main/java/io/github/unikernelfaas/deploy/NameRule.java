package io.github.unikernelfaas.deploy;

import java.util.regex.Pattern;

/**
 * The name rules the API servers apply to the objects we write (Kubernetes' validation.IsDNS1123Subdomain,
 * IsDNS1123Label, IsDNS1035Label): a name that breaks its rule is refused at {@code kubectl apply}, far from
 * the setting that made it.
 */
enum NameRule {
    DNS_1123_SUBDOMAIN("a DNS-1123 subdomain", 253, "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*",
            "at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"),
    DNS_1123_LABEL("a DNS-1123 label", 63, "[a-z0-9]([-a-z0-9]*[a-z0-9])?",
            "at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit"),
    DNS_1035_LABEL("a DNS-1035 label", 63, "[a-z]([-a-z0-9]*[a-z0-9])?",
            "at most 63 lower-case letters, digits and '-', starting with a letter and ending with a letter or digit");

    private final String title;
    private final int max;
    private final Pattern pattern;
    private final String spelled;

    NameRule(String title, int max, String regex, String spelled) {
        this.title = title;
        this.max = max;
        this.pattern = Pattern.compile(regex);
        this.spelled = spelled;
    }

    boolean accepts(String name) {
        return name != null && name.length() <= max && pattern.matcher(name).matches();
    }

    /** Refuses {@code name} unless it follows this rule; {@code what} names the object, e.g. "a Service". */
    void check(String name, String what) {
        if (!accepts(name)) {
            throw new DeployException("'" + name + "' cannot name " + what + " (the name comes from "
                    + DeploySpec.NAME_PROPERTY + ", default: the artifactId): it must be " + title + " (" + spelled
                    + ")").setting(DeploySpec.NAME_PROPERTY);
        }
    }
}
