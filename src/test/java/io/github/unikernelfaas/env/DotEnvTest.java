package io.github.unikernelfaas.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DotEnvTest {
    @Test
    void readsNamesAndValuesAsWritten() {
        Map<String, String> vars = DotEnv.parse(List.of(
                "# a comment", "",
                "PLAIN=a=b=c",
                "SPACES =  two words  ",
                "export EXPORTED=yes",
                "URL=https://example.com/#frag",
                "SINGLE='keeps \\n and  spaces '",
                "DOUBLE=\"line one\\nline \\\"two\\\"\"",
                "UNICODE=h\u00e9llo \u2603",
                "EMPTY="), ".env");
        assertEquals(Map.of("PLAIN", "a=b=c", "SPACES", "two words", "EXPORTED", "yes",
                "URL", "https://example.com/#frag", "SINGLE", "keeps \\n and  spaces ",
                "DOUBLE", "line one\nline \"two\"", "UNICODE", "h\u00e9llo \u2603", "EMPTY", ""), vars);
    }

    @Test
    void aLineWithoutEqualsIsRefusedWithItsLineNumber() {
        EnvException e = assertThrows(EnvException.class, () -> DotEnv.parse(List.of("A=1", "oops"), ".env"));
        assertTrue(e.getMessage().startsWith(".env:2: expected NAME=value"), e.getMessage());
    }

    @Test
    void aBadNameIsRefused() {
        EnvException e = assertThrows(EnvException.class, () -> DotEnv.parse(List.of("1ABC=x"), ".env"));
        assertTrue(e.getMessage().contains("\"1ABC\" is not an environment variable name"), e.getMessage());
    }

    @Test
    void anUnclosedDoubleQuoteIsRefused() {
        assertThrows(EnvException.class, () -> DotEnv.parse(List.of("A=\"open"), ".env"));
    }
}
