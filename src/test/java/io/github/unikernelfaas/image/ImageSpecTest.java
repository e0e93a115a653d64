package io.github.unikernelfaas.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ImageSpecTest {
    private static ImageSpec of(String reference) {
        return ImageSpec.of(Path.of("kernel"), Path.of("fs0"), "lib/python3.7", reference, "0.13.1");
    }

    @Test
    void lowerCasesTheRepositoryNameButKeepsTheTag() {
        ImageSpec s = of("Registry.Example:5000/Team/My-Fn:Release-1.0-RC1");
        assertEquals("registry.example:5000/team/my-fn", s.name());
        assertEquals("Release-1.0-RC1", s.tag(), "tags are case-sensitive");
        assertEquals("registry.example:5000/team/my-fn:Release-1.0-RC1", s.reference());
    }

    @Test
    void noTagMeansLatestAndAPortIsNotATag() {
        ImageSpec s = of("localhost:5000/fn");
        assertEquals("localhost:5000/fn", s.name());
        assertEquals("latest", s.tag());
    }

    @Test
    void saysWhenTheNameWasLowerCased() {
        assertTrue(ImageSpec.lowerCasedNote("team/my-fn:V1").isEmpty(), "only the tag has capitals");
        String note = ImageSpec.lowerCasedNote("Team/My-Fn:V1").orElseThrow();
        assertTrue(note.contains("Team/My-Fn lower-cased to team/my-fn"), note);
    }
}
