package io.github.unikernelfaas.invoke;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/**
 * One test event: {@code name.json} is sent as the request body; {@code name.expected.json}, when
 * present, is what the handler must return (JSON equality). Without it, the case passes on HTTP 200.
 */
public record EventCase(String name, Path eventFile, byte[] body, Path expectedFile, JsonNode expected) {
    public boolean hasExpectation() {
        return expectedFile != null;
    }
}
