package io.github.unikernelfaas.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeEnvTest {
    @TempDir
    Path dir;

    @Test
    void propertiesOverrideThePomWhichOverridesTheDotEnvFile() throws IOException {
        Path dotEnv = dir.resolve(".env");
        Files.writeString(dotEnv, "A=from-file\nB=from-file\nC=from-file\n");
        RuntimeEnv env = RuntimeEnv.collect(dotEnv, Map.of("B", "from-pom", "C", "from-pom"),
                Map.of("unikernel.env.C", "from-property", "unikernel.kernel", "ignored"), dir.resolve("none"));
        assertEquals(Map.of("A", "from-file", "B", "from-pom", "C", "from-property"), env.variables());
        assertTrue(env.secrets().isEmpty());
    }

    @Test
    void secretsAreOneFilePerNameWithOneTrailingNewlineDropped() throws IOException {
        Path secrets = Files.createDirectory(dir.resolve(".secrets"));
        Files.writeString(secrets.resolve("API_TOKEN"), "t0k=en with spaces\n");
        Files.writeString(secrets.resolve("PEM"), "line1\nline2\n\n");
        Files.writeString(secrets.resolve(".gitignore"), "*\n");
        RuntimeEnv env = RuntimeEnv.collect(dir.resolve(".env"), null, Map.of(), secrets);
        assertEquals(Map.of("API_TOKEN", "t0k=en with spaces", "PEM", "line1\nline2\n"), env.secrets());
        assertFalse(env.describe().contains("t0k"), env.describe());
        assertTrue(env.describe().contains("secrets: API_TOKEN, PEM"), env.describe());
    }

    @Test
    void aNameSetTwiceAsVariableAndSecretIsRefused() throws IOException {
        Path secrets = Files.createDirectory(dir.resolve(".secrets"));
        Files.writeString(secrets.resolve("A"), "s");
        EnvException e = assertThrows(EnvException.class,
                () -> RuntimeEnv.collect(dir.resolve(".env"), Map.of("A", "v"), Map.of(), secrets));
        assertTrue(e.getMessage().contains("[A]"), e.getMessage());
    }

    @Test
    void aBadPropertyNameIsRefusedNamingTheOption() {
        EnvException e = assertThrows(EnvException.class, () -> RuntimeEnv.collect(dir.resolve(".env"), null,
                Map.of("unikernel.env.A-B", "x"), null));
        assertTrue(e.getMessage().contains("-Dunikernel.env.A-B"), e.getMessage());
    }

    @Test
    void writesOneJsonObjectReadableOnlyByTheOwner() throws IOException {
        Path secrets = Files.createDirectory(dir.resolve(".secrets"));
        Files.writeString(secrets.resolve("S"), "h\u00e9llo \u2603");
        RuntimeEnv env = RuntimeEnv.collect(dir.resolve(".env"), Map.of("V", "a=b \"q\"\nx"), Map.of(), secrets);
        Path file = env.writeInto(dir);
        assertEquals(RuntimeEnv.FILE, file.getFileName().toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        Map<?, ?> back = new ObjectMapper().readValue(Files.readString(file, StandardCharsets.UTF_8), Map.class);
        assertEquals(Map.of("V", "a=b \"q\"\nx", "S", "h\u00e9llo \u2603"), back);
    }

    @Test
    void aSecretThatIsNotUtf8IsRefusedNamingTheFileAndTheOffset() throws IOException {
        Path secrets = Files.createDirectory(dir.resolve(".secrets"));
        Files.write(secrets.resolve("KEY"), new byte[] {'a', 'b', (byte) 0xff, 'c'});
        EnvException e = assertThrows(EnvException.class,
                () -> RuntimeEnv.collect(dir.resolve(".env"), null, Map.of(), secrets));
        assertTrue(e.getMessage().contains(secrets.resolve("KEY").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not UTF-8 text (at byte offset 2 of 4)"), e.getMessage());
        assertTrue(e.render().contains("-Dunikernel.secretsDirectory"), e.render());
    }

    @Test
    void aSubdirectoryInTheSecretsIsRefusedNotSkipped() throws IOException {
        Path secrets = Files.createDirectory(dir.resolve(".secrets"));
        Files.writeString(secrets.resolve("A"), "a");
        Files.createDirectory(secrets.resolve("B"));
        EnvException e = assertThrows(EnvException.class,
                () -> RuntimeEnv.collect(dir.resolve(".env"), null, Map.of(), secrets));
        assertTrue(e.getMessage().contains(secrets.resolve("B") + " is a directory, not a file"), e.getMessage());
    }

    @Test
    void aDanglingLinkInTheSecretsIsRefusedNamingItsTarget() throws IOException {
        Path secrets = Files.createDirectory(dir.resolve(".secrets"));
        Files.createSymbolicLink(secrets.resolve("TOKEN"), dir.resolve("gone"));
        EnvException e = assertThrows(EnvException.class,
                () -> RuntimeEnv.collect(dir.resolve(".env"), null, Map.of(), secrets));
        assertTrue(e.getMessage().contains(secrets.resolve("TOKEN") + " is a link to " + dir.resolve("gone")
                + ", which does not exist"), e.getMessage());
    }

    @Test
    void aLinkToAFileIsASecretAndDotEntriesAreStillSkipped() throws IOException {
        Path secrets = Files.createDirectory(dir.resolve(".secrets"));
        Files.writeString(dir.resolve("real"), "v\n");
        Files.createSymbolicLink(secrets.resolve("LINKED"), dir.resolve("real"));
        Files.createDirectory(secrets.resolve(".git"));
        assertEquals(Map.of("LINKED", "v"), RuntimeEnv.collect(dir.resolve(".env"), null, Map.of(), secrets).secrets());
    }
}
