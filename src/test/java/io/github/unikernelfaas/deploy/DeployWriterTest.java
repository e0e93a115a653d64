package io.github.unikernelfaas.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeployWriterTest {
    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @TempDir
    Path dir;

    static DeploySpec spec(boolean knative) {
        return new DeploySpec("my-fn", "registry.example/team/my-fn@" + DIGEST, "registry.example/team/my-fn", "1.0",
                List.of("python", "-m", "app.wrapper", "--port", "8123"), 8123, 256, 2, knative,
                "http://127.0.0.1:8080");
    }

    @Test
    void aDeploymentRunsTheImageByDigestUnderUruncWithProbesMemoryAndReplicas() throws Exception {
        List<Path> files = DeployWriter.write(spec(false), true, dir);
        assertEquals(List.of(dir.resolve("runtimeclass.yaml"), dir.resolve("deployment.yaml"), dir.resolve("service.yaml"),
                dir.resolve("openfaas/stack.yml")), files);
        RuntimeClass rc = roundTrip(dir.resolve("runtimeclass.yaml"), RuntimeClass.class);
        assertEquals("urunc", rc.getMetadata().getName());
        assertEquals("urunc", rc.getHandler());
        Deployment d = roundTrip(dir.resolve("deployment.yaml"), Deployment.class);
        assertEquals(2, d.getSpec().getReplicas());
        assertEquals("urunc", d.getSpec().getTemplate().getSpec().getRuntimeClassName());
        assertEquals(d.getSpec().getSelector().getMatchLabels(), d.getSpec().getTemplate().getMetadata().getLabels());
        Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("registry.example/team/my-fn@" + DIGEST, c.getImage());
        assertEquals(List.of("python", "-m", "app.wrapper", "--port", "8123"), c.getCommand());
        assertEquals(8123, c.getPorts().get(0).getContainerPort());
        assertEquals("/health", c.getReadinessProbe().getHttpGet().getPath());
        assertEquals("/health", c.getLivenessProbe().getHttpGet().getPath());
        assertEquals("http", c.getLivenessProbe().getHttpGet().getPort().getStrVal());
        // urunc: QEMU -m (limit / 10^6)M, so "256M" (decimal) boots a 256 MiB guest.
        assertEquals(256_000_000L, c.getResources().getLimits().get("memory").getNumericalAmount().longValueExact());
        Service s = roundTrip(dir.resolve("service.yaml"), Service.class);
        assertEquals(d.getSpec().getSelector().getMatchLabels(), s.getSpec().getSelector());
        assertEquals("http", s.getSpec().getPorts().get(0).getTargetPort().getStrVal());
        assertFalse(Files.exists(dir.resolve("knative-service.yaml")));
    }

    @Test
    void knativeReplacesDeploymentAndServiceAndCarriesTheRuntimeClassName() throws Exception {
        DeployWriter.write(spec(false), true, dir);
        DeployWriter.write(spec(true), true, dir);
        assertFalse(Files.exists(dir.resolve("deployment.yaml")), "a stale Deployment would be applied too");
        assertFalse(Files.exists(dir.resolve("service.yaml")));
        JsonNode yaml = DeployWriter.YAML.readTree(dir.resolve("knative-service.yaml").toFile());
        assertEquals("serving.knative.dev/v1", yaml.get("apiVersion").asText());
        assertEquals("Service", yaml.get("kind").asText());
        JsonNode podSpec = yaml.at("/spec/template/spec");
        assertEquals("urunc", podSpec.get("runtimeClassName").asText());
        assertEquals("/health", podSpec.at("/containers/0/readinessProbe/httpGet/path").asText());
        assertFalse(podSpec.at("/containers/0/readinessProbe/httpGet").has("port"), "Knative probes its one port");
        var ks = DeployWriter.YAML.treeToValue(yaml, io.fabric8.knative.serving.v1.Service.class);
        assertEquals("urunc", DeployWriter.YAML.valueToTree(ks.getSpec().getTemplate().getSpec()).get("runtimeClassName").asText());
        assertEquals(yaml, DeployWriter.YAML.valueToTree(ks), "round trip");
    }

    @Test
    void theStackNamesTheImageByNameAndTagAsUkfaasMatchesIt() throws Exception {
        DeployWriter.write(spec(false), false, dir);
        assertFalse(Files.exists(dir.resolve("runtimeclass.yaml")), "no urunc objects for a 9p root");
        JsonNode stack = DeployWriter.YAML.readTree(dir.resolve("openfaas/stack.yml").toFile());
        assertEquals("1.0", stack.get("version").asText());
        assertTrue(stack.get("version").isTextual(), "a string, as faas-cli wants");
        JsonNode fn = stack.at("/functions/my-fn");
        assertEquals("registry.example/team/my-fn:1.0", fn.get("image").asText());
        assertEquals("registry.example/team/my-fn", fn.at("/annotations/org.unikraft.image.name").asText());
        assertEquals("1.0", fn.at("/annotations/org.unikraft.image.version").asText());
        assertEquals("http://127.0.0.1:8080", stack.at("/provider/gateway").asText());
    }

    @Test
    void namesComeFromTheArtifactIdAndBadOnesAreRefused() {
        assertEquals("my-fn-1", DeploySpec.nameOf("My_Fn.1"));
        DeployException e = assertThrows(DeployException.class, () -> new DeploySpec("-bad-", "i", "i", "t",
                List.of(), 8123, 256, 1, false, "g"));
        assertTrue(e.getMessage().contains("unikernel.deploy.name"), e.getMessage());
        assertThrows(DeployException.class, () -> new DeploySpec("ok", "i", "i", "t", List.of(), 8123, 8, 1, false, "g"));
    }

    @Test
    void anArtifactIdStartingWithADigitNamesAServiceThatStartsWithALetter() throws Exception {
        assertEquals("fn-2fa-check", DeploySpec.nameOf("2fa-check"));
        assertEquals("n-code", DeploySpec.nameOf("-Ünïcode"), "leading '-' dropped first");
        assertEquals("fn", DeploySpec.nameOf("___"));
        String longest = DeploySpec.nameOf("9" + "x".repeat(80));
        assertEquals(63, longest.length(), longest);
        for (boolean knative : new boolean[] {false, true}) {
            DeploySpec s = new DeploySpec(DeploySpec.nameOf("2fa-check"), "i@" + DIGEST, "i", "1", List.of("python"),
                    8123, 256, 1, knative, "g");
            DeployWriter.write(s, true, dir.resolve(knative ? "knative" : "plain"));
        }
        Service svc = roundTrip(dir.resolve("plain/service.yaml"), Service.class);
        assertEquals("fn-2fa-check", svc.getMetadata().getName());
        JsonNode ksvc = DeployWriter.YAML.readTree(dir.resolve("knative/knative-service.yaml").toFile());
        assertEquals("fn-2fa-check", ksvc.at("/metadata/name").asText());
        assertTrue(DeployWriter.YAML.readTree(dir.resolve("plain/openfaas/stack.yml").toFile()).at("/functions")
                .has("fn-2fa-check"));
    }

    @Test
    void aDeployNameThatAServiceCannotHaveIsRefusedNamingTheSettingAndTheRule() {
        for (String bad : List.of("2fa-check", "My-Fn", "fn.v1", "a".repeat(64), "fn-", "")) {
            DeployException e = assertThrows(DeployException.class, () -> new DeploySpec(bad, "i", "i", "t",
                    List.of(), 8123, 256, 1, false, "g"), bad);
            String m = e.render();
            assertTrue(m.contains("-Dunikernel.deploy.name=") && m.contains("DNS-1035")
                    && m.contains("starting with a letter") && m.contains("'" + bad + "'"), m);
        }
        new DeploySpec("a", "i", "i", "t", List.of(), 8123, 256, 1, false, "g");
        new DeploySpec("f2-" + "a".repeat(60), "i", "i", "t", List.of(), 8123, 256, 1, false, "g");
    }

    @Test
    void everyGeneratedNameIsCheckedByItsObjectsRule() {
        // The spec already holds the strictest rule: the objects' own rules, checked on what was generated.
        assertThrows(DeployException.class, () -> DeployWriter.checkNames(new io.fabric8.kubernetes.api.model
                .ServiceBuilder().withNewMetadata().withName("2fa").endMetadata().build()));
        DeployWriter.checkNames(new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder().withNewMetadata()
                .withName("2fa.v1").endMetadata().withNewSpec().withNewTemplate().withNewSpec().addNewContainer()
                .withName("2fa").endContainer().endSpec().endTemplate().endSpec().build());
        assertThrows(DeployException.class, () -> DeployWriter.checkNames(new io.fabric8.kubernetes.api.model.apps
                .DeploymentBuilder().withNewMetadata().withName("ok").endMetadata().withNewSpec().withNewTemplate()
                .withNewSpec().addNewContainer().withName("a.b").endContainer().endSpec().endTemplate().endSpec()
                .build()), "a container name is a DNS-1123 label");
        assertThrows(DeployException.class, () -> DeployWriter.checkNames(
                new io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder().withNewMetadata().withName("Urunc")
                        .endMetadata().build()));
        assertThrows(DeployException.class, () -> DeployWriter.checkNames(new io.fabric8.knative.serving.v1
                .ServiceBuilder().withNewMetadata().withName("2fa").endMetadata().build()));
        assertThrows(DeployException.class, () -> DeployWriter.checkNames(Map.of("functions", Map.of("2fa", 1))));
    }

    @Test
    void kubectlReadsEveryFileAsAKubernetesObjectWithoutAServer() throws Exception {
        Path kubectl = io.github.unikernelfaas.image.ImageBuilderTest.tool("kubectl");
        DeployWriter.write(spec(false), true, dir);
        // Offline, kubectl parses and maps each object (kind, apiVersion, metadata) but cannot fetch the
        // server's OpenAPI schema: schema checks are the model round trips above.
        List<String> cmd = List.of(kubectl.toString(), "label", "--local", "-f", dir.toString(), "checked=yes", "-o",
                "name");
        String out = io.github.unikernelfaas.image.ImageBuilderTest.run(cmd, Map.of("KUBECONFIG",
                dir.resolve("no-kubeconfig").toString()));
        assertEquals(List.of("deployment.apps/my-fn", "runtimeclass.node.k8s.io/urunc", "service/my-fn"),
                out.lines().sorted().toList(), out);
    }

    /** Reads a file into its model class, then checks it has no field the Kubernetes model does not know. */
    private static <T extends KubernetesResource> T roundTrip(Path file, Class<T> type) throws Exception {
        JsonNode yaml = DeployWriter.YAML.readTree(file.toFile());
        T value = DeployWriter.YAML.treeToValue(yaml, type);
        assertEquals(yaml, DeployWriter.YAML.valueToTree(value), "round trip of " + file);
        List<String> unknown = new ArrayList<>();
        unknownFields(value, "", unknown, new IdentityHashMap<>());
        assertEquals(List.of(), unknown, "fields outside the Kubernetes API model in " + file);
        return value;
    }

    /** fabric8 keeps unknown fields in additionalProperties instead of failing: find any. */
    private static void unknownFields(Object o, String path, List<String> out, Map<Object, Boolean> seen)
            throws Exception {
        if (o == null || seen.put(o, true) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                unknownFields(e, path + "[" + i++ + "]", out, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) {
                unknownFields(e.getValue(), path + "." + e.getKey(), out, seen);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method g : o.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || !g.getName().startsWith("get") || g.getName().equals("getClass")) {
                continue;
            }
            Object v = g.invoke(o);
            if (g.getName().equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    out.add(path + " " + extra.keySet());
                }
            } else {
                unknownFields(v, path + "." + g.getName().substring(3), out, seen);
            }
        }
    }
}
