package io.github.unikernelfaas.maven;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Generated projects carry this repository's Maven wrapper: the same scripts, the same pinned Maven. */
class ArchetypeWrapperTest {
    private static final Path TEMPLATES = Path.of("archetype/src/main/resources/archetype-resources");

    @Test
    void theArchetypeShipsThisRepositorysWrapper() throws IOException {
        for (String f : new String[] {"mvnw", "mvnw.cmd", ".mvn/wrapper/maven-wrapper.properties"}) {
            assertArrayEquals(Files.readAllBytes(Path.of(f)), Files.readAllBytes(TEMPLATES.resolve(f)),
                    f + " differs from the archetype's copy: copy it into " + TEMPLATES);
        }
    }

    @Test
    void theWrapperPinsAMavenThePluginAccepts() throws IOException {
        String props = Files.readString(Path.of(".mvn/wrapper/maven-wrapper.properties"));
        Matcher m = Pattern.compile("apache-maven-([0-9.]+)-bin").matcher(props);
        assertTrue(m.find(), props);
        assertTrue(MavenVersion.refusal(m.group(1)).isEmpty(), "the wrapper's Maven " + m.group(1) + " is refused");
    }

    @Test
    void theArchetypeAsksForNoJavaPackage() throws IOException {
        // maven-archetype asks for `package` unless its default is literal (no ${...}).
        String descriptor = Files.readString(Path.of("archetype/src/main/resources/META-INF/maven/archetype-metadata.xml"));
        Matcher m = Pattern.compile("<requiredProperty key=\"package\">\\s*<defaultValue>([^<]*)</defaultValue>")
                .matcher(descriptor);
        assertTrue(m.find() && !m.group(1).contains("${"), "package needs a literal default");
    }
}
