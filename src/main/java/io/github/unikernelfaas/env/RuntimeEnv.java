package io.github.unikernelfaas.env;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.unikernelfaas.guest.GuestContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What the handler finds in {@code os.environ} when the plugin boots it (run, invoke, integration-test):
 * environment variables (the .env file, then the POM's {@code <environment>}, then {@code -Dunikernel.env.NAME},
 * each overriding the one before) and secrets (one file per variable in the secrets directory). The wrapper
 * reads them from {@value #FILE} beside it before importing the function (Unikraft 0.13 takes no environment).
 * Values are never logged: {@link #describe()} names the variables only.
 */
public record RuntimeEnv(Map<String, String> variables, Map<String, String> secrets) {
    /** The file the wrapper reads (wrapper.py's ENV_FILE). */
    public static final String FILE = GuestContract.ENV_FILE;
    /** The user properties that set variables: -Dunikernel.env.NAME=value. */
    public static final String PROPERTY_PREFIX = "unikernel.env.";

    /**
     * @param dotEnv     the .env file (absent: none)
     * @param pom        the POM's environment
     * @param properties user properties; those named {@value #PROPERTY_PREFIX}NAME set NAME
     * @param secretsDir one file per secret, named after its variable (absent: none)
     */
    public static RuntimeEnv collect(Path dotEnv, Map<String, String> pom, Map<String, String> properties,
            Path secretsDir) {
        Map<String, String> vars = new LinkedHashMap<>(DotEnv.read(dotEnv));
        if (pom != null) {
            pom.forEach((k, v) -> vars.put(Names.check(k, "<environment>"), v == null ? "" : v));
        }
        new TreeMap<>(properties).forEach((k, v) -> {
            if (k.startsWith(PROPERTY_PREFIX)) {
                vars.put(Names.check(k.substring(PROPERTY_PREFIX.length()), "-D" + k), v);
            }
        });
        Map<String, String> secrets = readSecrets(secretsDir);
        Set<String> both = new TreeSet<>(vars.keySet());
        both.retainAll(secrets.keySet());
        if (!both.isEmpty()) {
            throw new EnvException(both + " set both as environment variable(s) and as secret(s) in " + secretsDir
                    + ": keep one of each");
        }
        return new RuntimeEnv(vars, secrets);
    }

    /** One file per secret: its name is the variable, its content (UTF-8, one trailing newline dropped) the value. */
    static Map<String, String> readSecrets(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            return Map.of();
        }
        Map<String, String> secrets = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.startsWith(".") || !Files.isRegularFile(f)) {
                    continue; // .gitignore, editors' dot files
                }
                String value = Files.readString(f, StandardCharsets.UTF_8);
                value = value.endsWith("\r\n") ? value.substring(0, value.length() - 2)
                        : value.endsWith("\n") ? value.substring(0, value.length() - 1) : value;
                secrets.put(Names.check(name, dir.toString()), value);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the secrets in " + dir, e);
        }
        return secrets;
    }

    public boolean isEmpty() {
        return variables.isEmpty() && secrets.isEmpty();
    }

    /** Names only, never values. */
    public String describe() {
        return "environment: " + (variables.isEmpty() ? "none" : String.join(", ", variables.keySet()))
                + "; secrets: " + (secrets.isEmpty() ? "none" : String.join(", ", secrets.keySet()));
    }

    /** Writes the wrapper's file (owner-only, via a temp file) into {@code appDir}; returns its path. */
    public Path writeInto(Path appDir) {
        Map<String, String> all = new TreeMap<>(variables);
        all.putAll(secrets);
        Path file = appDir.resolve(FILE);
        Path tmp = appDir.resolve(FILE + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, new ObjectMapper().writeValueAsBytes(all));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + file, e);
        }
        return file;
    }

    /** Deletes what {@link #writeInto} and its copies left, quietly: called on every way out. */
    public static void deleteQuietly(List<Path> files) {
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // Best effort on the way out; the build goal rebuilds the app directory anyway.
            }
        }
    }
}
