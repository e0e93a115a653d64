package io.github.unikernelfaas.image;

import com.google.cloud.tools.jib.image.json.OciManifestTemplate;
import java.util.Map;
import java.util.TreeMap;

/**
 * jib's OCI manifest plus the manifest annotations kraftkit requires, which jib-core cannot write
 * (jib issue #4402). Serialised by jib's own JSON mapper, so the bytes we store in the OCI layout
 * are the bytes jib's RegistryClient pushes, and the digest is one and the same.
 */
public class AnnotatedOciManifest extends OciManifestTemplate {
    private Map<String, String> annotations;

    public Map<String, String> getAnnotations() {
        return annotations;
    }

    public void setAnnotations(Map<String, String> annotations) {
        this.annotations = annotations == null ? null : new TreeMap<>(annotations);
    }
}
