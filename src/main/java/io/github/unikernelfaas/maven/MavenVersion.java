package io.github.unikernelfaas.maven;

import java.util.Optional;
import org.apache.maven.artifact.versioning.ComparableVersion;

/**
 * The Maven this plugin needs. The POM declares a low prerequisite on purpose: Maven's own check
 * refuses an older Maven with a generic message, ours names the Maven wrapper that fixes it.
 */
final class MavenVersion {
    /** The oldest Maven the goals are built and tested against (the Maven API version in pom.xml). */
    static final String MINIMUM = "3.9.0";

    private MavenVersion() {
    }

    /** Empty when {@code running} is new enough (or unknown: nothing to say then), else the message to fail with. */
    static Optional<String> refusal(String running) {
        if (running == null || running.isBlank()
                || new ComparableVersion(running.trim()).compareTo(new ComparableVersion(MINIMUM)) >= 0) {
            return Optional.empty();
        }
        return Optional.of("unikernel-faas needs Maven " + MINIMUM + " or newer, and this is Maven " + running.trim()
                + ". Run the project's Maven wrapper instead of mvn: ./mvnw (Windows: mvnw.cmd; `sh mvnw` if it"
                + " lost its exec bit), which downloads the Maven pinned in .mvn/wrapper/maven-wrapper.properties."
                + " A project without the wrapper gets it with: mvn wrapper:wrapper -Dmaven=3.9.16");
    }
}
