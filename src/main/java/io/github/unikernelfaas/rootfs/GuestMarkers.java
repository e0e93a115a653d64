package io.github.unikernelfaas.rootfs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.unikernelfaas.host.Tail;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Environment markers (PEP 508) evaluated for the guest. pip evaluates them against the Python it runs on, not
 * --python-version (pypa/pip#11010), so a host's 3.11 drops {@code typing-extensions; python_version < "3.8"} that
 * the 3.7 guest needs. guest_markers.py walks requirements.txt and the installed distributions' Requires-Dist with
 * the guest's environment and names what is missing; it runs on the host python3 with pip's vendored packaging,
 * pip's own reading of markers and specifiers.
 */
final class GuestMarkers {
    private static final String SCRIPT = "guest_markers.py";

    /**
     * A requirement the guest needs that the install lacks.
     *
     * @param requirement what to install, without its marker (name, extras, specifier or URL)
     * @param line        the requirement as written, marker and all
     * @param requiredBy  "Name version" of the distribution that requires it, or the requirements file's name
     * @param installed   "Name version" when a version outside the specifier is installed, else null
     */
    record Problem(String requirement, String line, String requiredBy, String installed) {
        String describe() {
            return requirement + " (" + requiredBy + " requires " + line
                    + (installed == null ? "" : "; installed: " + installed) + ")";
        }
    }

    /**
     * @param problems what the guest needs beyond the install
     * @param removed  "Name version" of what pip installed for its own Python's markers alone, now removed
     */
    record Result(List<Problem> problems, List<String> removed) {
    }

    private GuestMarkers() {
    }

    /** The guest's marker environment: {@link #environment(String)} with the flavour's own values over it. */
    static Map<String, String> environment(Requirements.Settings s) {
        Map<String, String> env = environment(s.pythonVersion());
        env.putAll(s.markers());
        return env;
    }

    /**
     * A CPython on Linux x86_64 of pip's --python-version, e.g. 3.7.4; given as major.minor, python_full_version is
     * taken as its .0 release, as pip takes it. A flavour says where its guest differs (the shipped one's CPython
     * reports sys.platform "unknown" and platform.system() "Unikraft").
     */
    static Map<String, String> environment(String pythonVersion) {
        String[] parts = pythonVersion.strip().split("\\.");
        String major = parts[0];
        String minor = parts.length > 1 ? parts[1] : "0";
        String full = major + "." + minor + "." + (parts.length > 2 ? parts[2] : "0");
        Map<String, String> env = new TreeMap<>();
        env.put("implementation_name", "cpython");
        env.put("implementation_version", full);
        env.put("os_name", "posix");
        env.put("platform_machine", "x86_64");
        env.put("platform_python_implementation", "CPython");
        env.put("platform_release", "");
        env.put("platform_system", "Linux");
        env.put("platform_version", "");
        env.put("python_full_version", full);
        env.put("python_version", major + "." + minor);
        env.put("sys_platform", "linux");
        return env;
    }

    /**
     * What the guest needs beyond {@code sitePackages}; when it needs nothing more, removes what no requirement
     * of the guest's reaches. {@code work} holds the script and the run's files.
     */
    static Result check(Path sitePackages, Path requirementsTxt, Requirements.Settings s, Path work) {
        ObjectMapper json = new ObjectMapper();
        Path script = work.resolve(SCRIPT);
        try {
            if (!Files.exists(script)) {
                try (InputStream in = GuestMarkers.class.getResourceAsStream(SCRIPT)) {
                    Files.write(script, in.readAllBytes());
                }
            }
            Requirements.ProcessResult r = Requirements.run(List.of(s.python().toString(), script.toString(),
                    sitePackages.toString(), requirementsTxt.toAbsolutePath().toString(),
                    json.writeValueAsString(environment(s)), "prune"), s, work, 120);
            JsonNode result = r.exit() == 0 ? parse(json, r.output()) : null;
            if (result == null) {
                throw new RequirementsException("Could not check the requirements' environment markers for the"
                        + " guest's Python with " + s.python() + " (it needs pip's vendored packaging library, or"
                        + " packaging; exit " + r.exit() + "):\n" + Tail.of(r.output(), 15));
            }
            List<Problem> problems = new ArrayList<>();
            for (JsonNode p : result.path("problems")) {
                problems.add(new Problem(p.path("requirement").asText(), p.path("line").asText(),
                        p.path("requiredBy").asText(), p.path("installed").isNull() ? null
                                : p.path("installed").asText()));
            }
            List<String> removed = new ArrayList<>();
            result.path("removed").forEach(n -> removed.add(n.asText()));
            return new Result(problems, removed);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not check the requirements for the guest in " + work + ": "
                    + e.getMessage(), e);
        }
    }

    /** The JSON object the script prints last (pip's vendored libraries may warn before it), or null. */
    private static JsonNode parse(ObjectMapper json, String output) {
        int start = output.lastIndexOf("{\"problems\"");
        if (start < 0) {
            return null;
        }
        try {
            return json.readTree(output.substring(start));
        } catch (IOException e) {
            return null;
        }
    }
}
