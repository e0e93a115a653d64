package io.github.unikernelfaas.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class MavenVersionTest {
    @Test
    void anOlderMavenIsRefusedNamingTheWrapper() {
        String message = MavenVersion.refusal("3.8.7").orElseThrow();
        assertTrue(message.contains("Maven 3.9.0 or newer"), message);
        assertTrue(message.contains("this is Maven 3.8.7"), message);
        assertTrue(message.contains("./mvnw"), message);
        assertTrue(message.contains(".mvn/wrapper/maven-wrapper.properties"), message);
    }

    @Test
    void theMinimumAndNewerMavensPass() {
        assertEquals(Optional.empty(), MavenVersion.refusal("3.9.0"));
        assertEquals(Optional.empty(), MavenVersion.refusal("3.9.16"));
        assertEquals(Optional.empty(), MavenVersion.refusal("4.0.0-rc-2"));
    }

    @Test
    void aPreReleaseOfTheMinimumIsRefused() {
        assertTrue(MavenVersion.refusal("3.9.0-alpha-1").isPresent());
        assertTrue(MavenVersion.refusal("3.6.3").isPresent());
    }
}
