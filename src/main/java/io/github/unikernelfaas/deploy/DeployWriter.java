package io.github.unikernelfaas.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

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
        List<Path> written = new ArrayList<>();
        try {
            Files.createDirectories(dir.resolve("openfaas"));
            for (String f : OURS) {
                Files.deleteIfExists(dir.resolve(f)); // a knative run after a plain one leaves no Deployment
            }
            if (urunc) {
                written.add(write(dir, RUNTIME_CLASS_FILE, Manifests.runtimeClass()));
                if (spec.knative()) {
                    written.add(write(dir, KNATIVE_FILE, Manifests.knativeService(spec)));
                } else {
                    written.add(write(dir, DEPLOYMENT_FILE, Manifests.deployment(spec)));
                    written.add(write(dir, SERVICE_FILE, Manifests.service(spec)));
                }
            }
            written.add(write(dir, STACK_FILE, Manifests.openFaasStack(spec)));
        } catch (IOException e) {
            throw new DeployException("Could not write the deploy artefacts in " + dir + ": " + e.getMessage(), e);
        }
        return written;
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
