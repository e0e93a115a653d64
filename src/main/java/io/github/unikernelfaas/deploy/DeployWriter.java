package io.github.unikernelfaas.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the deploy directory: Kubernetes objects one per file at its top (what {@code kubectl apply -f DIR}
 * reads), and ukfaas's stack.yml under {@code openfaas/} (not a Kubernetes object, so kubectl does not see it).
 */
public final class DeployWriter {
    public static final String RUNTIME_CLASS_FILE = "runtimeclass.yaml";
    public static final String DEPLOYMENT_FILE = "deployment.yaml";
    public static final String SERVICE_FILE = "service.yaml";
    public static final String KNATIVE_FILE = "knative-service.yaml";
    public static final String STACK_FILE = "openfaas/stack.yml";
    /** Everything this writer may write: the rest of the directory is the user's. */
    static final List<String> OURS = List.of(RUNTIME_CLASS_FILE, DEPLOYMENT_FILE, SERVICE_FILE, KNATIVE_FILE,
            STACK_FILE);

    public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS))
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private DeployWriter() {
    }

    /**
     * @param urunc whether the image can run under urunc (initrd root): without it only stack.yml is written
     * @return the files written
     */
    public static List<Path> write(DeploySpec spec, boolean urunc, Path dir) {
        Map<String, Object> objects = new LinkedHashMap<>();
        if (urunc) {
            objects.put(RUNTIME_CLASS_FILE, Manifests.runtimeClass());
            if (spec.knative()) {
                objects.put(KNATIVE_FILE, Manifests.knativeService(spec));
            } else {
                objects.put(DEPLOYMENT_FILE, Manifests.deployment(spec));
                objects.put(SERVICE_FILE, Manifests.service(spec));
            }
        }
        objects.put(STACK_FILE, Manifests.openFaasStack(spec));
        objects.values().forEach(DeployWriter::checkNames); // before the first file goes
        List<Path> written = new ArrayList<>();
        try {
            Files.createDirectories(dir.resolve("openfaas"));
            for (String f : OURS) {
                Files.deleteIfExists(dir.resolve(f)); // a knative run after a plain one leaves no Deployment
            }
            for (Map.Entry<String, Object> e : objects.entrySet()) {
                written.add(write(dir, e.getKey(), e.getValue()));
            }
        } catch (IOException e) {
            throw new DeployException("Could not write the deploy artefacts in " + dir + ": " + e.getMessage(), e);
        }
        return written;
    }

    /** Each name an object holds, by the rule its API server applies to it. */
    static void checkNames(Object object) {
        if (object instanceof RuntimeClass rc) {
            NameRule.DNS_1123_SUBDOMAIN.check(rc.getMetadata().getName(), "a RuntimeClass");
        } else if (object instanceof Deployment d) {
            NameRule.DNS_1123_SUBDOMAIN.check(d.getMetadata().getName(), "a Deployment");
            d.getSpec().getTemplate().getSpec().getContainers()
                    .forEach(c -> NameRule.DNS_1123_LABEL.check(c.getName(), "a container"));
        } else if (object instanceof Service svc) {
            NameRule.DNS_1035_LABEL.check(svc.getMetadata().getName(), "a Service");
        } else if (object instanceof io.fabric8.knative.serving.v1.Service ksvc) {
            NameRule.DNS_1035_LABEL.check(ksvc.getMetadata().getName(), "a Knative Service");
            ksvc.getSpec().getTemplate().getSpec().getContainers()
                    .forEach(c -> NameRule.DNS_1123_LABEL.check(c.getName(), "a container"));
        } else if (object instanceof Map<?, ?> stack && stack.get("functions") instanceof Map<?, ?> functions) {
            // faas-netes makes each function a Deployment and a Service of the same name.
            functions.keySet().forEach(f -> NameRule.DNS_1035_LABEL.check(String.valueOf(f), "an OpenFaaS function"));
        } else {
            throw new IllegalArgumentException("No name rule for " + object.getClass().getName());
        }
    }

    /** Through a temp file and a rename: a reader never sees half a file. */
    private static Path write(Path dir, String name, Object value) throws IOException {
        Path out = dir.resolve(name);
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        YAML.writeValue(tmp.toFile(), value);
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return out;
    }
}
