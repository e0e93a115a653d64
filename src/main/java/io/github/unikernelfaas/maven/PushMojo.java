package io.github.unikernelfaas.maven;

import com.google.cloud.tools.jib.api.Credential;
import io.github.unikernelfaas.image.ImagePusher;
import java.util.Optional;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.Server;
import org.apache.maven.settings.crypto.DefaultSettingsDecryptionRequest;
import org.apache.maven.settings.crypto.SettingsDecrypter;
import org.apache.maven.settings.crypto.SettingsDecryptionResult;

/**
 * Pushes the packaged image to {@code unikernel.image}. Credentials: the settings.xml server whose
 * id is the registry (host:port, then host), else Docker's config and credential helpers.
 */
@Mojo(name = "push", defaultPhase = LifecyclePhase.DEPLOY, threadSafe = true)
public class PushMojo extends AbstractImageMojo {
    @Parameter(property = "unikernel.skipPush", defaultValue = "false")
    private boolean skipPush;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    private MavenSession session;

    @Component
    private SettingsDecrypter decrypter;

    @Override
    protected void run() throws MojoFailureException {
        if (pushAllowed(image)) {
            ImagePusher.push(imageTar.toPath(), target(image), getLog()::info);
        }
    }

    /** False (said at INFO) when unikernel.skipPush is set; fails offline. */
    protected boolean pushAllowed(String reference) throws MojoFailureException {
        if (skipPush) {
            getLog().info("Skipping the push: unikernel.skipPush is set");
            return false;
        }
        if (session.isOffline()) {
            throw new MojoFailureException("Cannot push " + reference + " in offline mode (-o): run without -o, or skip"
                    + " the push with -Dunikernel.skipPush");
        }
        return true;
    }

    /** Where to push {@code image}, with the credential of settings.xml's server for its registry, if any. */
    protected ImagePusher.Target target(String image) {
        String registry = registryOf(image);
        Optional<Server> server = server(registry);
        Optional<Credential> credential = server.map(this::credential);
        String source = server.map(s -> "the settings.xml <server> with id '" + s.getId() + "'")
                .orElse("Docker's config (~/.docker/config.json) or credential helpers for " + registry
                        + ", or add a settings.xml <server> with id '" + registry + "'");
        return new ImagePusher.Target(image, credential, source, allowInsecureRegistries);
    }

    /** "registry.example:5000/team/fn:1" -> "registry.example:5000"; Docker Hub for plain names. */
    static String registryOf(String image) {
        int slash = image.indexOf('/');
        if (slash > 0) {
            String first = image.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                return first;
            }
        }
        return "registry-1.docker.io";
    }

    private Optional<Server> server(String registry) {
        Server s = session.getSettings().getServer(registry);
        if (s == null && registry.contains(":")) {
            s = session.getSettings().getServer(registry.substring(0, registry.indexOf(':')));
        }
        return Optional.ofNullable(s);
    }

    private Credential credential(Server server) {
        SettingsDecryptionResult r = decrypter.decrypt(new DefaultSettingsDecryptionRequest(server));
        if (!r.getProblems().isEmpty()) {
            throw new io.github.unikernelfaas.image.ImageException("Could not decrypt the password of settings.xml"
                    + " server '" + server.getId() + "': " + r.getProblems().get(0).getMessage());
        }
        Server decrypted = r.getServer();
        return Credential.from(decrypted.getUsername(), decrypted.getPassword());
    }
}
