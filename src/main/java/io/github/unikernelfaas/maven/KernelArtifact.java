package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.kernel.KernelBundleZip;
import io.github.unikernelfaas.vm.VmException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.RepositorySystemSession;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.repository.RemoteRepository;
import org.eclipse.aether.resolution.ArtifactRequest;
import org.eclipse.aether.resolution.ArtifactResolutionException;

/**
 * A published kernel bundle named by Maven coordinates, {@code mvn:groupId:artifactId:version[:classifier]}, with
 * an optional {@code @sha256:<hex>} pin: resolved like any dependency (the project's repositories, settings.xml
 * mirrors and credentials, offline mode, the local repository), then unpacked once into the kernel cache.
 */
record KernelArtifact(String groupId, String artifactId, String version, String classifier, String sha256) {
    static final String EXTENSION = "zip";
    private static final Pattern SPEC = Pattern.compile(
            "mvn:([^:@\\s]+):([^:@\\s]+):([^:@\\s]+)(?::([^:@\\s]+))?(?:@sha256:([0-9a-fA-F]{64}))?");

    /** The coordinates of {@code spec} when it starts with {@code mvn:}; a malformed one fails naming the form. */
    static Optional<KernelArtifact> parse(String spec) {
        if (!spec.startsWith("mvn:")) {
            return Optional.empty();
        }
        Matcher m = SPEC.matcher(spec);
        if (!m.matches()) {
            throw new VmException("unikernel.kernel=" + spec + " is no kernel artifact: write"
                    + " mvn:groupId:artifactId:version[:classifier][@sha256:<64 hex digits>]").setting("unikernel.kernel");
        }
        return Optional.of(new KernelArtifact(m.group(1), m.group(2), m.group(3),
                m.group(4) == null ? "" : m.group(4), m.group(5)));
    }

    String coordinates() {
        return groupId + ":" + artifactId + ":" + EXTENSION + (classifier.isEmpty() ? "" : ":" + classifier) + ":"
                + version;
    }

    /** The bundle's directory in {@code bundles}, resolved and unpacked when needed. */
    Path resolve(RepositorySystem system, RepositorySystemSession session, List<RemoteRepository> repositories,
            Path bundles, Consumer<String> log) throws InterruptedException {
        ArtifactRequest request = new ArtifactRequest(
                new DefaultArtifact(groupId, artifactId, classifier, EXTENSION, version), repositories, null);
        Path zip;
        try {
            zip = system.resolveArtifact(session, request).getArtifact().getFile().toPath();
        } catch (ArtifactResolutionException e) {
            throw new VmException("Could not resolve the kernel bundle " + coordinates() + ": " + e.getMessage()
                    + (session.isOffline() ? ". Offline (-o), it must already be in the local repository: run once"
                    + " online" : ". Check the coordinates and that a repository of the project (or a mirror in"
                    + " settings.xml) serves it; a team publishes it with mvn deploy on a project of packaging"
                    + " unikernel-runtime"), e).setting("unikernel.kernel");
        }
        log.accept("Kernel bundle " + coordinates() + ": " + zip);
        return KernelBundleZip.unpack(zip, sha256, bundles, log);
    }
}
