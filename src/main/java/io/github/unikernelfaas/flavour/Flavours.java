package io.github.unikernelfaas.flavour;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.github.unikernelfaas.vm.RootKind;
import io.github.unikernelfaas.vm.VirtioMode;
import io.github.unikernelfaas.vm.VmException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Finds flavours on the classpath: each is a resource directory {@value #ROOT}{@code <name>/} holding
 * {@value #DESCRIPTOR}, {@value #SOURCES}, {@code patches/}, {@value #KERNEL_CONFIG} and {@code app/}. Listing a
 * jar's directory is awkward, so every {@value #INDEX} on the classpath names the flavours beside it.
 */
public final class Flavours {
    /** Absolute resource path of the flavour directories. */
    public static final String ROOT = "/io/github/unikernelfaas/flavours/";
    static final String INDEX = "index.txt";
    static final String DESCRIPTOR = "flavour.json";
    public static final String SOURCES = "sources.json";
    static final String KERNEL_CONFIG = "kernel.config";
    /** The Unikraft app directory's files, in the order they feed the kernel cache key. */
    private static final String NAME = "[a-z0-9][a-z0-9._-]*";

    private Flavours() {
    }

    /** The flavour with this name, validated; an unknown name fails naming the known ones. */
    public static Flavour load(String name) {
        String n = name == null ? "" : name.trim();
        InputStream in = n.matches(NAME) ? Flavours.class.getResourceAsStream(dir(n) + DESCRIPTOR) : null;
        if (in == null) {
            throw new FlavourException("Unknown unikernel.flavour '" + name + "'; known flavours: "
                    + String.join(", ", known())).setting("unikernel.flavour");
        }
        try (in) {
            return parse(in, n);
        } catch (IOException e) {
            throw new FlavourException("Cannot read the flavour " + n + ": " + e.getMessage(), e);
        }
    }

    /** The names listed by every {@value #INDEX} on the classpath, sorted. */
    public static List<String> known() {
        TreeSet<String> names = new TreeSet<>();
        try {
            for (URL url : Collections.list(Flavours.class.getClassLoader().getResources(ROOT.substring(1) + INDEX))) {
                try (InputStream in = url.openStream()) {
                    for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                        String s = line.strip();
                        if (!s.isEmpty() && !s.startsWith("#")) {
                            names.add(s);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new FlavourException("Cannot read the flavour index: " + e.getMessage(), e);
        }
        return List.copyOf(names);
    }

    /** The resource directory of a flavour, e.g. /io/github/unikernelfaas/flavours/NAME/. */
    public static String dir(String name) {
        return ROOT + name + "/";
    }

    /** The flavour's kconfig, as text. */
    public static String kernelConfig(Flavour f) {
        return text(f, KERNEL_CONFIG);
    }

    /** The flavour's Unikraft app files by name, in the descriptor's order. */
    public static Map<String, String> appFiles(Flavour f) {
        Map<String, String> files = new LinkedHashMap<>();
        for (String name : f.appFiles()) {
            files.put(name, text(f, "app/" + name));
        }
        return files;
    }

    static String text(Flavour f, String file) {
        try (InputStream in = Flavours.class.getResourceAsStream(dir(f.name()) + file)) {
            if (in == null) {
                throw new FlavourException("The flavour " + f.name() + " has no " + file + ": add it to "
                        + dir(f.name()));
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new FlavourException("Cannot read " + file + " of the flavour " + f.name() + ": " + e.getMessage(),
                    e);
        }
    }

    /** The descriptor as written; {@link #validate} turns it into a {@link Flavour}. */
    record Descriptor(String name, String unikraftVersion, String pythonVersion, String pythonLib,
            String pipPythonVersion, List<Integer> grammarVersion, Map<String, String> kernelArgs, String virtio,
            List<String> roots, List<String> stdlibSources, String pythonMakeLib, List<String> appFiles,
            Boolean tls, Map<String, String> markers, Map<String, Integer> memoryFloorMb) {
    }

    /** Parses and validates a descriptor that must describe the flavour {@code expectedName}. */
    static Flavour parse(InputStream in, String expectedName) {
        Descriptor d;
        try {
            d = new ObjectMapper().readValue(in, Descriptor.class);
        } catch (UnrecognizedPropertyException e) {
            throw bad(expectedName, "unknown field '" + e.getPropertyName() + "'; the fields are "
                    + String.join(", ", fields()));
        } catch (JacksonException e) {
            throw bad(expectedName, "not a valid descriptor: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new FlavourException("Cannot read the flavour " + expectedName + ": " + e.getMessage(), e);
        }
        if (d == null) {
            throw bad(expectedName, "empty");
        }
        return validate(d, expectedName);
    }

    private static Flavour validate(Descriptor d, String expected) {
        List<String> missing = new ArrayList<>();
        Object[] values = {d.name(), d.unikraftVersion(), d.pythonVersion(), d.pythonLib(), d.pipPythonVersion(),
            d.grammarVersion(), d.kernelArgs(), d.virtio(), d.roots(), d.stdlibSources(), d.pythonMakeLib(), d.appFiles(), d.tls()};
        List<String> names = fields(); // markers and memoryFloorMb, the last, are optional
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null || values[i] instanceof String s && s.isBlank()) {
                missing.add(names.get(i));
            }
        }
        if (!missing.isEmpty()) {
            throw bad(expected, "missing field" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing));
        }
        if (!d.name().equals(expected)) {
            throw bad(expected, "its name is '" + d.name() + "' but its directory is " + expected
                    + ": make them equal");
        }
        if (!d.pythonLib().matches("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*") || d.pythonLib().contains("..")) {
            throw bad(expected, "pythonLib must be a relative path inside fs0 such as lib/python3.7, not '"
                    + d.pythonLib() + "'");
        }
        if (d.grammarVersion().size() != 2 || d.grammarVersion().stream().anyMatch(v -> v == null || v < 0)) {
            throw bad(expected, "grammarVersion must be [major, minor], e.g. [3, 7], not " + d.grammarVersion());
        }
        if (d.roots().isEmpty() || d.stdlibSources().isEmpty()) {
            throw bad(expected, d.roots().isEmpty() ? "roots is empty" : "stdlibSources is empty");
        }
        for (String f : d.appFiles()) {
            if (f == null || !f.matches("[A-Za-z0-9._-]+") || f.startsWith(".")) {
                throw bad(expected, "appFiles lists file names in app/, such as Makefile.uk, not '" + f + "'");
            }
        }
        if (!d.appFiles().contains("Makefile.uk") || !d.appFiles().contains("Config.uk")) {
            throw bad(expected, "appFiles must hold Makefile.uk and Config.uk, the files of every Unikraft app");
        }
        List<RootKind> roots = new ArrayList<>();
        for (String r : d.roots()) {
            roots.add(root(expected, "roots", r));
        }
        Map<RootKind, String> args = new EnumMap<>(RootKind.class);
        d.kernelArgs().forEach((k, v) -> args.put(root(expected, "kernelArgs", k), v == null ? "" : v.strip()));
        for (RootKind r : roots) {
            if (args.getOrDefault(r, "").isEmpty()) {
                throw bad(expected, "kernelArgs has no command line for the root " + r.setting() + ", which roots"
                        + " lists");
            }
        }
        for (RootKind r : args.keySet()) {
            if (!roots.contains(r)) {
                throw bad(expected, "kernelArgs has a command line for the root " + r.setting() + ", which roots"
                        + " does not list");
            }
        }
        Map<String, String> markers = d.markers() == null ? Map.of() : d.markers();
        for (Map.Entry<String, String> m : markers.entrySet()) {
            if (!Flavour.MARKERS.contains(m.getKey()) || m.getValue() == null) {
                throw bad(expected, "markers sets the guest's PEP 508 environment: " + String.join(", ",
                        Flavour.MARKERS) + " (the Python versions come from pipPythonVersion), not '" + m.getKey()
                        + "'" + (m.getValue() == null ? " without a value" : ""));
            }
        }
        Map<RootKind, Integer> floors = new EnumMap<>(RootKind.class);
        if (d.memoryFloorMb() != null) { // optional: a flavour not measured yet has no floor
            for (Map.Entry<String, Integer> e : d.memoryFloorMb().entrySet()) {
                RootKind r = root(expected, "memoryFloorMb", e.getKey());
                if (!roots.contains(r)) {
                    throw bad(expected, "memoryFloorMb has a floor for the root " + r.setting() + ", which roots"
                            + " does not list");
                }
                if (e.getValue() == null || e.getValue() < 16) {
                    throw bad(expected, "memoryFloorMb." + r.setting() + " must be a number of MiB of at least 16,"
                            + " not " + e.getValue());
                }
                floors.put(r, e.getValue());
            }
        }
        VirtioMode virtio;
        try {
            virtio = VirtioMode.parse(d.virtio());
        } catch (VmException e) {
            throw bad(expected, "virtio must be legacy, modern or transitional, not '" + d.virtio() + "'");
        }
        return new Flavour(d.name(), d.unikraftVersion(), d.pythonVersion(), d.pythonLib(), d.pipPythonVersion(),
                d.grammarVersion(), args, virtio, roots, d.stdlibSources(), d.pythonMakeLib(), d.appFiles(), d.tls(), markers,
                floors);
    }

    private static RootKind root(String flavour, String field, String value) {
        try {
            return RootKind.parse(value);
        } catch (VmException e) {
            throw bad(flavour, field + " names the unknown root kind '" + value + "'; the root kinds are "
                    + Arrays.stream(RootKind.values()).map(RootKind::setting).collect(Collectors.joining(", ")));
        }
    }

    private static List<String> fields() {
        return Arrays.stream(Descriptor.class.getRecordComponents()).map(RecordComponent::getName).toList();
    }

    private static FlavourException bad(String flavour, String problem) {
        return new FlavourException("The flavour descriptor " + dir(flavour) + DESCRIPTOR + " is invalid: " + problem);
    }
}
