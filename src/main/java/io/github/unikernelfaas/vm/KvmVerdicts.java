package io.github.unikernelfaas.vm;

import io.github.unikernelfaas.host.Digests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Remembers that KVM failed to run a guest, so later goals on this host boot under TCG at once instead
 * of paying for the failed attempt again. A verdict holds for one host kernel, one QEMU binary and one
 * guest kernel: a change of any of them means a fresh attempt.
 */
public final class KvmVerdicts {
    private static final Path OS_RELEASE = Path.of("/proc/sys/kernel/osrelease");

    private final Path dir;
    private final Path osRelease;

    /** @param dir where verdicts live, e.g. {@code ~/.cache/unikernel-faas/accel} */
    public KvmVerdicts(Path dir) {
        this(dir, OS_RELEASE);
    }

    KvmVerdicts(Path dir, Path osRelease) {
        this.dir = dir;
        this.osRelease = osRelease;
    }

    /** The recorded reason KVM failed to run this VM's kernel with this QEMU on this host, if any. */
    public Optional<String> failure(VmConfig vm) {
        Path f = file(key(vm.machine().binary(), vm.guest().kernel(), osRelease));
        try {
            return Files.isRegularFile(f) ? Optional.of(Files.readString(f, StandardCharsets.UTF_8).trim()
                    + " (remembered in " + f + "; delete it to try KVM again)") : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public void recordFailure(VmConfig vm, String reason) {
        Path f = file(key(vm.machine().binary(), vm.guest().kernel(), osRelease));
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "kvm-", ".tmp");
            Files.writeString(tmp, "KVM did not run this guest here: " + reason.replace('\n', ' ') + "\n",
                    StandardCharsets.UTF_8);
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // Only costs the next goal another KVM attempt.
        }
    }

    Path file(String key) {
        return dir.resolve("kvm-failed-" + key + ".txt");
    }

    /** A key over the host kernel release, the QEMU binary and the guest kernel's bytes. */
    static String key(Path qemu, Path kernel, Path osRelease) {
        try {
            MessageDigest md = Digests.sha256();
            md.update(readQuietly(osRelease).getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            Path realQemu = qemu.toRealPath();
            md.update((realQemu + "|" + Files.size(realQemu) + "|" + Files.getLastModifiedTime(realQemu).toMillis())
                    .getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            Digests.update(md, kernel);
            return Digests.hex(md.digest()).substring(0, 24);
        } catch (IOException e) {
            throw new VmException("Could not read " + kernel + " or " + qemu + ": " + e.getMessage(), e);
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "";
        }
    }
}
