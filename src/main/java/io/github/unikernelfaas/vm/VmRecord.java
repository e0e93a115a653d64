package io.github.unikernelfaas.vm;

import io.github.unikernelfaas.host.Digests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a running VM of a project is recorded for {@link StaleVmSweeper}.
 *
 * @param file    the pidfile
 * @param project the project's directory, written into the record for humans; null for none
 */
public record VmRecord(Path file, Path project) {
    private static final Pattern NAME = Pattern.compile("([0-9a-f]{16})(?:-([0-9]+))?(?:-([0-9]+))?\\.pid");

    /**
     * {@code <cacheDir>/vms/<first 16 hex of sha256(project dir)>-<this JVM's pid>.pid}: outside target/, so a
     * {@code mvn clean} after a killed build cannot lose the VM it left running; one record per project and
     * build, so that two builds of the same project at once do not overwrite each other's.
     */
    public static VmRecord forProject(Path cacheDir, Path projectDir) {
        return forProject(cacheDir, projectDir, ProcessHandle.current().pid());
    }

    static VmRecord forProject(Path cacheDir, Path projectDir, long ownerPid) {
        Path project = projectDir.toAbsolutePath().normalize();
        String name = projectKey(project) + "-" + ownerPid + ".pid";
        return new VmRecord(cacheDir.toAbsolutePath().normalize().resolve("vms").resolve(name), project);
    }

    /**
     * Another record of the same build, {@code <key>-<pid>-<n>.pid}, for a VM it runs beside this one (run's
     * replacement VM on a live reload). A build's sweep leaves its own other records alone.
     */
    public VmRecord slot(int n) {
        return new VmRecord(file.resolveSibling(build(file) + "-" + n + ".pid"), project);
    }

    /** {@code <key>-<pid>} of a record's file name (just {@code <key>} for an older plugin's). */
    private static String build(Path record) {
        String name = record.getFileName().toString();
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            return name.substring(0, name.length() - ".pid".length());
        }
        return m.group(2) == null ? m.group(1) : m.group(1) + "-" + m.group(2);
    }

    private static String projectKey(Path project) {
        return Digests.sha256(project.toString()).substring(0, 16);
    }

    /**
     * The records a sweep looks at: every build's of this project ({@code <key>-<pid>.pid} and its slots
     * {@code <key>-<pid>-<n>.pid}, and an older plugin's {@code <key>.pid}), or just this one's for a record
     * without a project. This build's other slots are not among them: their VMs are running beside this one.
     */
    public List<Path> sweepable() {
        if (project == null) {
            return List.of(file);
        }
        List<Path> found = new ArrayList<>();
        String key = projectKey(project);
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(file.getParent(), key + "*.pid")) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                Matcher m = NAME.matcher(name);
                boolean ownOtherSlot = !p.equals(file) && build(p).equals(build(file));
                if (m.matches() && m.group(1).equals(key) && !ownOtherSlot) {
                    found.add(p);
                }
            }
        } catch (IOException e) {
            return List.of(file); // no vms/ yet
        }
        found.sort(null);
        return found;
    }

    /** {@code <workDir>/qemu.pid}: for tests and tools that own their directory. */
    public static VmRecord inWorkDir(Path workDir) {
        return new VmRecord(workDir.resolve("qemu.pid"), null);
    }
}
