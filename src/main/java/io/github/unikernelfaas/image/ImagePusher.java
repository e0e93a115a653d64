package io.github.unikernelfaas.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.CredentialRetriever;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.blob.Blobs;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;
import com.google.cloud.tools.jib.global.JibSystemProperties;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.image.json.BuildableManifestTemplate.ContentDescriptorTemplate;
import com.google.cloud.tools.jib.json.JsonTemplateMapper;
import com.google.cloud.tools.jib.registry.RegistryClient;
import com.google.cloud.tools.jib.registry.RegistryCredentialsNotSentException;
import io.github.unikernelfaas.host.Trees;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * Pushes the OCI image tar to a registry with jib-core's registry client: the blobs as they are,
 * then the annotated manifest, whose digest must come back equal to the one in the tar.
 */
public final class ImagePusher {
    /**
     * @param credential      explicit credential (from settings.xml), or empty to ask Docker's config
     *                        and credential helpers as jib does
     * @param credentialSource named in errors, e.g. "settings.xml server 'localhost:5000'"
     */
    public record Target(String reference, Optional<Credential> credential, String credentialSource,
            boolean allowInsecure) {
    }

    private ImagePusher() {
    }

    /** Returns the pushed manifest digest. */
    public static String push(Path ociTar, Target target, Consumer<String> log) {
        ImageReference ref;
        try {
            ref = ImageReference.parse(target.reference());
        } catch (InvalidImageReferenceException e) {
            throw new ImageException("'" + target.reference() + "' is not an image reference (unikernel.image): use"
                    + " registry/name:tag in lower case", e);
        }
        if (!Files.isRegularFile(ociTar)) {
            throw new ImageException("No image at " + ociTar + ": run the package goal first (mvn package)");
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("unikernel-faas-push");
            OciArchive.extract(ociTar, dir);
            JsonNode index = new ObjectMapper().readTree(dir.resolve("index.json").toFile());
            String digest = index.get("manifests").get(0).get("digest").asText();
            AnnotatedOciManifest manifest = JsonTemplateMapper.readJson(
                    Files.readAllBytes(KraftkitLayout.blob(dir, digest)), AnnotatedOciManifest.class);
            RegistryClient client = client(ref, target, log, true);
            List<ContentDescriptorTemplate> blobs = new ArrayList<>(manifest.getLayers());
            blobs.add(manifest.getContainerConfiguration());
            for (ContentDescriptorTemplate blob : blobs) {
                DescriptorDigest d = blob.getDigest();
                if (client.checkBlob(d).isEmpty()) {
                    client.pushBlob(d, Blobs.from(KraftkitLayout.blob(dir, d.toString())), null, n -> { });
                }
            }
            String tag = ref.getTag().orElse("latest");
            DescriptorDigest pushed = client.pushManifest(manifest, tag);
            if (!pushed.toString().equals(digest)) {
                throw new ImageException("The registry stored the manifest as " + pushed + " but the image is " + digest);
            }
            log.accept("Pushed " + ref + " (" + digest + ")");
            return digest;
        } catch (RegistryUnauthorizedException e) {
            throw new ImageException("Authentication to " + ref.getRegistry() + " failed: check the credentials of "
                    + target.credentialSource() + ".", e);
        } catch (RegistryCredentialsNotSentException e) {
            throw new ImageException("The registry " + ref.getRegistry() + " speaks plain HTTP and asks for"
                    + " credentials: they are sent over plain HTTP only to a registry on this machine, or with"
                    + " -DsendCredentialsOverHttp=true", e);
        } catch (InsecureRegistryException e) {
            throw new ImageException(insecureHint(ref.getRegistry()), e);
        } catch (RegistryException | IOException e) {
            throw new ImageException("Pushing " + ref + " failed: " + e.getMessage(), e);
        } finally {
            if (dir != null) {
                try {
                    Trees.delete(dir);
                } catch (IOException ignored) {
                    // A temp directory.
                }
            }
        }
    }

    /**
     * A client of the registry {@code ref} names, authenticated for push or pull: the explicit credential, else
     * Docker's config and credential helpers; plain HTTP only when the target allows it, and credentials over it
     * only to a registry on this machine (or when jib is told so).
     */
    static RegistryClient client(ImageReference ref, Target target, Consumer<String> log, boolean push)
            throws IOException, RegistryException {
        Consumer<LogEvent> jibLog = e -> {
            if (e.getLevel() == LogEvent.Level.ERROR || e.getLevel() == LogEvent.Level.WARN) {
                log.accept(e.getMessage());
            }
        };
        if (!target.allowInsecure() && !offersTls(ref.getRegistry())) {
            throw new ImageException(insecureHint(ref.getRegistry()));
        }
        Credential credential = target.credential().orElseGet(() -> fromDockerConfig(ref, jibLog));
        boolean credentialsOverHttp = target.allowInsecure()
                && (isLoopback(ref.getRegistry()) || JibSystemProperties.sendCredentialsOverHttp());
        RegistryClient.Factory factory = RegistryClient.factory(
                EventHandlers.builder().add(LogEvent.class, jibLog).build(), ref.getRegistry(), ref.getRepository(),
                new FailoverHttpClient(target.allowInsecure(), credentialsOverHttp, jibLog))
                .setUserAgent("unikernel-faas");
        if (credential != null) {
            factory.setCredential(credential);
        }
        RegistryClient client = factory.newRegistryClient();
        boolean bearer = push ? client.doPushBearerAuth() : client.doPullBearerAuth();
        if (!bearer && credential != null) {
            client.configureBasicAuth();
        }
        return client;
    }

    static String insecureHint(String registry) {
        return "The registry " + registry + " does not offer trusted HTTPS. If it is a plain-HTTP or self-signed"
                + " registry you trust, set -Dunikernel.allowInsecureRegistries=true";
    }

    /**
     * False when HTTPS fails in the TLS handshake (a plain-HTTP registry): jib's client would retry
     * that for about a minute before giving up; this says it at once.
     */
    static boolean offersTls(String registry) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        try {
            http.send(HttpRequest.newBuilder(URI.create("https://" + registry + "/v2/")).timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.discarding());
            return true;
        } catch (IOException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SSLException) {
                    return false;
                }
            }
            return true; // not a TLS problem: the push reports it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    static boolean isLoopback(String registry) {
        String host = registry.startsWith("[") ? registry.substring(1, registry.indexOf(']'))
                : registry.replaceFirst(":\\d+$", "");
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    private static Credential fromDockerConfig(ImageReference ref, Consumer<LogEvent> log) {
        CredentialRetrieverFactory f = CredentialRetrieverFactory.forImage(ref, log);
        for (CredentialRetriever r : List.of(f.dockerConfig(), f.wellKnownCredentialHelpers())) {
            try {
                Optional<Credential> c = r.retrieve();
                if (c.isPresent()) {
                    return c.get();
                }
            } catch (Exception e) {
                log.accept(LogEvent.warn("Credential lookup failed: " + e.getMessage()));
            }
        }
        return null;
    }
}
