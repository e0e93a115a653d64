package io.github.unikernelfaas.deploy;

import io.github.unikernelfaas.SettingRange;
import java.util.List;
import java.util.Locale;

/**
 * What the deploy artefacts say.
 *
 * @param name       the name of the Deployment, Service, Knative Service and OpenFaaS function (a DNS-1035 label)
 * @param image      the image to run, by digest when known ({@code name@sha256:…})
 * @param imageName  the image name without tag or digest (ukfaas matches it with {@code imageTag})
 * @param imageTag   the image tag
 * @param command    the container's command: urunc takes it as the unikernel's app name and arguments
 * @param guestPort  the port the function listens on in the guest
 * @param memoryMb   guest memory, MiB (urunc gives the VM the container's memory limit)
 * @param replicas   replicas of the Deployment
 * @param knative    a Knative Service instead of a Deployment and a Service
 * @param gateway    the OpenFaaS gateway stack.yml names
 */
public record DeploySpec(String name, String image, String imageName, String imageTag, List<String> command,
        int guestPort, int memoryMb, int replicas, boolean knative, String gateway) {
    public static final String NAME_PROPERTY = "unikernel.deploy.name";
    /** What a name becomes a prefix with when it would not start with a letter (a Service's rule). */
    static final String PREFIX = "fn-";

    public DeploySpec {
        command = List.copyOf(command);
        // The name goes on every object: the strictest rule of them, a Service's (Knative's too).
        NameRule.DNS_1035_LABEL.check(name, "the Service (and the Deployment, Knative Service and OpenFaaS"
                + " function)");
        SettingRange.GUEST_PORT.check(guestPort, DeployException::new);
        SettingRange.MEMORY.check(memoryMb, DeployException::new);
        SettingRange.REPLICAS.check(replicas, DeployException::new);
    }

    /**
     * A Kubernetes name from a Maven artifactId: lower case, every other character a '-', and {@value #PREFIX}
     * before it unless it starts with a letter (a Service name must: DNS-1035), at most 63.
     */
    public static String nameOf(String artifactId) {
        String n = artifactId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("^-+", "");
        if (n.isEmpty() || !Character.isLetter(n.charAt(0))) {
            n = PREFIX + n;
        }
        n = n.length() > 63 ? n.substring(0, 63) : n;
        return n.replaceAll("-+$", "");
    }

    /**
     * The container's memory limit, in decimal megabytes: urunc gives QEMU {@code -m <limit / 10^6>M}
     * (hypervisors/utils.go bytesToStringMB), which QEMU reads as MiB, so "256M" boots a 256 MiB guest.
     */
    public String memoryLimit() {
        return memoryMb + "M";
    }
}
