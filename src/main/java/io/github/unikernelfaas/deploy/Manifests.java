package io.github.unikernelfaas.deploy;

import io.fabric8.knative.serving.v1.RevisionSpec;
import io.fabric8.knative.serving.v1.RevisionSpecBuilder;
import io.fabric8.knative.serving.v1.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.github.unikernelfaas.guest.GuestContract;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The deploy artefacts as model objects: fabric8's Kubernetes and Knative classes, and ukfaas's stack.yml
 * (OpenFaaS has no Java model; a map in its documented shape).
 */
public final class Manifests {
    /** The RuntimeClass name and containerd handler urunc's documentation installs (docs/tutorials). */
    public static final String RUNTIME_CLASS = "urunc";
    public static final String HEALTH_PATH = GuestContract.HEALTH_PATH;
    static final String NAME_LABEL = "app.kubernetes.io/name";
    static final String PORT_NAME = "http";

    private Manifests() {
    }

    public static RuntimeClass runtimeClass() {
        return new RuntimeClassBuilder().withNewMetadata().withName(RUNTIME_CLASS).endMetadata()
                .withHandler(RUNTIME_CLASS).build();
    }

    public static Deployment deployment(DeploySpec s) {
        Map<String, String> labels = Map.of(NAME_LABEL, s.name());
        return new DeploymentBuilder()
                .withNewMetadata().withName(s.name()).withLabels(labels).endMetadata()
                .withNewSpec().withReplicas(s.replicas())
                .withNewSelector().withMatchLabels(labels).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().withRuntimeClassName(RUNTIME_CLASS).withContainers(container(s, true)).endSpec()
                .endTemplate().endSpec().build();
    }

    public static Service service(DeploySpec s) {
        return new io.fabric8.kubernetes.api.model.ServiceBuilder()
                .withNewMetadata().withName(s.name()).withLabels(Map.of(NAME_LABEL, s.name())).endMetadata()
                .withNewSpec().withType("ClusterIP").withSelector(Map.of(NAME_LABEL, s.name()))
                .addNewPort().withName(PORT_NAME).withPort(80).withTargetPort(new IntOrString(PORT_NAME))
                .withProtocol("TCP").endPort().endSpec().build();
    }

    /**
     * A Knative Service running the same container. runtimeClassName is behind Knative's
     * kubernetes.podspec-runtimeclassname feature flag and absent from fabric8's RevisionSpec, so it goes in
     * as an additional property.
     */
    public static io.fabric8.knative.serving.v1.Service knativeService(DeploySpec s) {
        // Knative allows one port and probes without a port (it probes that one).
        RevisionSpec revision = new RevisionSpecBuilder().withContainers(container(s, false)).build();
        revision.setAdditionalProperty("runtimeClassName", RUNTIME_CLASS);
        return new ServiceBuilder()
                .withNewMetadata().withName(s.name()).withLabels(Map.of(NAME_LABEL, s.name())).endMetadata()
                .withNewSpec().withNewTemplate().withNewMetadata().withLabels(Map.of(NAME_LABEL, s.name()))
                .endMetadata().withSpec(revision).endTemplate().endSpec().build();
    }

    /** ukfaas's stack.yml: the image by name:tag, which ukfaas matches against the kraftkit annotations. */
    public static Map<String, Object> openFaasStack(DeploySpec s) {
        Map<String, Object> fn = new LinkedHashMap<>();
        fn.put("image", s.imageName() + ":" + s.imageTag());
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put("org.unikraft.image.name", s.imageName());
        annotations.put("org.unikraft.image.version", s.imageTag());
        fn.put("annotations", annotations);
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("memory", s.memoryMb() + "Mi");
        fn.put("limits", limits);
        Map<String, Object> stack = new LinkedHashMap<>();
        stack.put("version", "1.0");
        stack.put("provider", new LinkedHashMap<>(Map.of("name", "openfaas", "gateway", s.gateway())));
        stack.put("functions", new LinkedHashMap<>(Map.of(s.name(), fn)));
        return stack;
    }

    private static Container container(DeploySpec s, boolean namedPort) {
        ContainerBuilder c = new ContainerBuilder().withName(s.name()).withImage(s.image())
                .withImagePullPolicy("IfNotPresent")
                // urunc takes the process args (this command) before its cmdline key: set them to the same
                // words, so the image's config Cmd (the full kernel line kraftkit needs) is never used.
                .withCommand(s.command())
                .withNewResources()
                .addToRequests("memory", new Quantity(s.memoryLimit()))
                .addToLimits("memory", new Quantity(s.memoryLimit()))
                .endResources()
                .withReadinessProbe(probe(s, namedPort, 1, 1))
                .withLivenessProbe(probe(s, namedPort, 10, 3));
        if (namedPort) {
            c.addNewPort().withName(PORT_NAME).withContainerPort(s.guestPort()).withProtocol("TCP").endPort();
        } else {
            c.addNewPort().withContainerPort(s.guestPort()).withProtocol("TCP").endPort();
        }
        return c.build();
    }

    private static Probe probe(DeploySpec s, boolean withPort, int periodSeconds, int failureThreshold) {
        var get = new ProbeBuilder().withPeriodSeconds(periodSeconds).withFailureThreshold(failureThreshold)
                .withTimeoutSeconds(2).withNewHttpGet().withPath(HEALTH_PATH);
        if (withPort) {
            get.withPort(new IntOrString(PORT_NAME));
        }
        return get.endHttpGet().build();
    }
}
