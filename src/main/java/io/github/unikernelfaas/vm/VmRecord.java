package io.github.unikernelfaas.vm;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where a running VM of a project is recorded for {@link StaleVmSweeper}.
 *
 * @param file    the pidfile
 * @param project the project's directory, written into the record for humans; null for none
 */
public record VmRecord(Path file, Path project) {
    /**
     * {@code <cacheDir>/vms/<first 16 hex of sha256(project dir)>.pid}: outside target/, so a {@code mvn clean}
     * after a killed build cannot lose the VM it left running; one record per project.
     */
    public static VmRecord forProject(Path cacheDir, Path projectDir) {
        Path project = projectDir.toAbsolutePath().normalize();
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(project.toString().getBytes(StandardCharsets.UTF_8));
            String name = HexFormat.of().formatHex(d).substring(0, 16) + ".pid";
            return new VmRecord(cacheDir.toAbsolutePath().normalize().resolve("vms").resolve(name), project);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code <workDir>/qemu.pid}: for tests and tools that own their directory. */
    public static VmRecord inWorkDir(Path workDir) {
        return new VmRecord(workDir.resolve("qemu.pid"), null);
    }
}
