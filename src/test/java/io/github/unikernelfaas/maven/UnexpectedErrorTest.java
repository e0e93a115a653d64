package io.github.unikernelfaas.maven;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UnexpectedErrorTest {

    @Test
    void anErrorThatIsNotOursIsNamedAsABugWithItsMessage() {
        String m = AbstractUnikernelMojo.unexpected(new IllegalStateException("report dir vanished"));
        assertTrue(m.contains("java.lang.IllegalStateException") && m.contains("report dir vanished")
                && m.contains("bug") && m.contains("-e"), m);
    }
}
