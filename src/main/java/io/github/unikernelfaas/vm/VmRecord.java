package io.github.unikernelfaas.vm;

import io.github.unikernelfaas.host.Digests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a running VM of a project is recorded for {@link StaleVmSweeper}.
 *
 * @param file    the pidfile
 * @param project the project's directory, written into the record for humans; null for none
 */
public record VmRecord(Path file, Path project) {
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

    private static String projectKey(Path project) {
        return Digests.sha256(project.toString()).substring(0, 16);
    }

    /**
     * The records a sweep looks at: every build's of this project ({@code <key>-<pid>.pid}, and an older
     * plugin's {@code <key>.pid}), or just this one's for a record without a project.
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
                if (name.matches(java.util.regex.Pattern.quote(key) + "(-[0-9]+)?\\.pid")) {
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
