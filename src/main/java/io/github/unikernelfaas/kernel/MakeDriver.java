package io.github.unikernelfaas.kernel;

import io.github.unikernelfaas.host.Tail;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Runs Unikraft's make the way kraft would, without kraft: {@code make -C <core> A=<app> L=<libs>
 * O=<build>}. The full output goes to a log file; progress is a line every few seconds.
 */
public final class MakeDriver {
    static final int TAIL_LINES = 40;
    static final int MAX_ERROR_LINES = 10;
    /** Fixed so that nothing in the kernel depends on when it was built. */
    static final String SOURCE_DATE_EPOCH = "1685664000";
    private static final long PROGRESS_EVERY_NANOS = 15_000_000_000L;

    private final Path make;
    private final Path core;
    private final Path app;
    private final List<Path> libs;
    private final Path buildDir;
    private final String fullVersion;

    public MakeDriver(Path make, Path core, Path app, List<Path> libs, Path buildDir, String fullVersion) {
        this.make = make;
        this.core = core;
        this.app = app;
        this.libs = List.copyOf(libs);
        this.buildDir = buildDir;
        this.fullVersion = fullVersion;
    }

    private List<String> common() {
        List<String> cmd = new ArrayList<>();
        cmd.add(make.toString());
        cmd.add("-C");
        cmd.add(core.toAbsolutePath().toString());
        cmd.add("A=" + app.toAbsolutePath());
        cmd.add("L=" + libs.stream().map(p -> p.toAbsolutePath().toString()).collect(Collectors.joining(":")));
        cmd.add("O=" + buildDir.toAbsolutePath());
        // Pinned: otherwise Unikraft asks git, which finds whatever repository encloses the tree.
        cmd.add("UK_FULLVERSION=" + fullVersion);
        return cmd;
    }

    public List<String> defconfigCommand(Path defconfig) {
        List<String> cmd = common();
        cmd.add("UK_DEFCONFIG=" + defconfig.toAbsolutePath());
        cmd.add("defconfig");
        return cmd;
    }

    public List<String> buildCommand(int jobs) {
        List<String> cmd = common();
        // Unikraft appends these to every C, C++ and assembler compile (support/build/Makefile.rules).
        String maps = String.join(" ", prefixMaps());
        cmd.add("CFLAGS_EXTRA=" + maps);
        cmd.add("CXXFLAGS_EXTRA=" + maps);
        cmd.add("ASFLAGS_EXTRA=" + maps);
        cmd.add("-j" + jobs);
        return cmd;
    }

    /** Where each tree make reads or writes shows in the kernel (__FILE__ in asserts, debug info). */
    static final String MAPPED_ROOT = "/ukfaas";

    /**
     * -ffile-prefix-map (file names in __FILE__ and debug info, GCC 8+) for each tree: the kernel then names
     * {@value #MAPPED_ROOT}/... instead of the builder's cache path, so its bytes do not depend on $HOME and
     * no host path ships. Longer paths last: GCC takes the last option that matches.
     */
    List<String> prefixMaps() {
        java.util.Map<String, String> maps = new java.util.LinkedHashMap<>();
        maps.put(core.toAbsolutePath().toString(), MAPPED_ROOT + "/unikraft");
        maps.put(app.toAbsolutePath().toString(), MAPPED_ROOT + "/app");
        for (Path lib : libs) {
            // <source id>/tree-<digest> in the cache and in the patched copies: unique, and not the host's.
            Path abs = lib.toAbsolutePath();
            maps.put(abs.toString(), MAPPED_ROOT + "/libs/" + (abs.getParent() == null ? "" : abs.getParent()
                    .getFileName() + "/") + abs.getFileName());
        }
        maps.put(buildDir.toAbsolutePath().toString(), MAPPED_ROOT + "/build");
        return maps.entrySet().stream()
                .sorted(java.util.Comparator.comparingInt(e -> e.getKey().length()))
                .map(e -> "-ffile-prefix-map=" + e.getKey() + "=" + e.getValue())
                .toList();
    }

    /** The environment make runs in: no git discovery above the trees, a fixed build date, C locale. */
    Map<String, String> environment(Map<String, String> inherited) {
        Map<String, String> env = new java.util.HashMap<>(inherited);
        env.put("GIT_CEILING_DIRECTORIES", core.toAbsolutePath().getParent() + ":" + app.toAbsolutePath().getParent());
        env.put("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH);
        env.put("LC_ALL", "C");
        env.remove("MAKEFLAGS");
        return env;
    }

    /** Runs one make command, appending its output to {@code log}; fails with the log's tail. */
    public void run(List<String> cmd, Path log, String what, Consumer<String> progress) {
        long t0 = System.nanoTime();
        long nextProgress = t0 + PROGRESS_EVERY_NANOS;
        int compiled = 0;
        Tail.Window tail = new Tail.Window(TAIL_LINES);
        List<String> errors = new ArrayList<>();
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().putAll(environment(System.getenv()));
            Process p = pb.start();
            p.getOutputStream().close();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8)); BufferedWriter out = Files.newBufferedWriter(log, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                out.write("$ " + String.join(" ", cmd) + "\n");
                String line;
                while ((line = in.readLine()) != null) {
                    out.write(line);
                    out.write('\n');
                    // Line by line: the log is what a user tails while make runs for minutes.
                    out.flush();
                    tail.add(line);
                    // With -j, the compiler's error scrolls out of the tail while other jobs finish.
                    if (errors.size() < MAX_ERROR_LINES && (line.contains("error:") || line.startsWith("make")
                            && line.contains("***"))) {
                        errors.add(line);
                    }
                    if (line.startsWith("  CC ") || line.startsWith("  CXX ") || line.startsWith("  AS ")) {
                        compiled++;
                    }
                    long now = System.nanoTime();
                    if (now > nextProgress) {
                        progress.accept(String.format("%s: %d files compiled, %d s", what, compiled,
                                (now - t0) / 1_000_000_000L));
                        nextProgress = now + PROGRESS_EVERY_NANOS;
                    }
                }
            }
            int exit = p.waitFor();
            if (exit != 0) {
                throw new KernelBuildException(what + " failed (make exit " + exit + ")."
                        + (errors.isEmpty() ? "" : " The errors:\n" + Tail.block(errors) + "\n")
                        + " Last " + tail.lines().size() + " lines of " + log + ":\n" + Tail.block(tail.lines()));
            }
            progress.accept(String.format("%s: done in %d s (%d files compiled)", what,
                    (System.nanoTime() - t0) / 1_000_000_000L, compiled));
        } catch (IOException e) {
            throw new KernelBuildException("Could not run make: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelBuildException("Interrupted during " + what, e);
        }
    }
}
