package io.github.unikernelfaas.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PushMojoTest {
    @Test
    void theRegistryIsTheFirstPathPartWhenItLooksLikeAHost() {
        assertEquals("registry.example.com", PushMojo.registryOf("registry.example.com/team/fn:1.0"));
        assertEquals("127.0.0.1:5000", PushMojo.registryOf("127.0.0.1:5000/fn"));
        assertEquals("localhost", PushMojo.registryOf("localhost/fn:1"));
        assertEquals("registry-1.docker.io", PushMojo.registryOf("team/fn:1.0"), "a Docker Hub user name");
        assertEquals("registry-1.docker.io", PushMojo.registryOf("fn"));
    }
}
