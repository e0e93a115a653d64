package io.github.unikernelfaas.vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One running QEMU process. Its whole life stays inside one goal: {@link #close()} stops it, a JVM
 * shutdown hook stops it on Ctrl-C, and a pidfile lets the next build sweep one that survived a kill -9.
 */
public final class VirtualMachine implements AutoCloseable {
    private final VmConfig config;
    private final Process process;
    private final Path consoleLog;
    private final Path pidFile;
    private final Path qmpSocket;
    private final Thread shutdownHook;
    private final long startNanos;
    private Qmp qmp;

    /** QEMU run states in which the guest has stopped for good while QEMU itself lives on. */
    static final Set<String> HALTED_STATES = Set.of("internal-error", "guest-panicked", "io-error", "shutdown",
            "watchdog");
    /** What QEMU prints when KVM cannot execute the guest (the vCPU then stops, QEMU stays alive). */
    static final String KVM_INTERNAL_ERROR = "KVM internal error";
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(1);
    /** Unix socket paths are limited to 108 bytes; longer work directories get a private temp directory. */
    private static final int MAX_SOCKET_PATH = 100;

    private VirtualMachine(VmConfig config, Process process, Path consoleLog, Path pidFile, Path qmpSocket,
            long startNanos) {
        this.config = config;
        this.process = process;
        this.consoleLog = consoleLog;
        this.pidFile = pidFile;
        this.qmpSocket = qmpSocket;
        this.startNanos = startNanos;
        this.shutdownHook = new Thread(this::kill, "unikernel-faas-qemu-stop");
    }

    /** Beside the console log: the exact QEMU command line, one argument per line, to rerun it by hand. */
    public static final String COMMAND_FILE = "qemu-command.txt";

    /**
     * Starts QEMU with its console (and QEMU's own messages) going to {@code consoleLog}.
     * The pidfile records the process for {@link StaleVmSweeper}.
     */
    public static VirtualMachine start(VmConfig config, Path consoleLog, Path pidFile) {
        return start(config, consoleLog, pidFile, null);
    }

    /** As {@link #start(VmConfig, Path, Path)}, naming the project in the record for humans. */
    public static VirtualMachine start(VmConfig config, Path consoleLog, Path pidFile, Path project) {
        checkFile(config.guest().kernel(), "kernel", "unikernel.kernel");
        if (config.guest().initrd() != null) {
            checkFile(config.guest().initrd(), "initrd", "unikernel.initrd");
        }
        if (config.guest().root() == RootKind.NINE_P && !Files.isDirectory(config.guest().fs0())) {
            throw new VmException("The root filesystem " + config.guest().fs0() + " does not exist: run the build goal first"
                    + " (mvn compile)");
        }
        if (config.guest().root() == RootKind.INITRD) {
            if (!Files.isRegularFile(config.guest().fs0Initrd())) {
                throw new VmException("The initrd root " + config.guest().fs0Initrd() + " does not exist: run the build goal"
                        + " with -D" + RootKind.PROPERTY + "=initrd first (mvn compile)");
            }
            combineInitrds(config);
        }
        try {
            Files.createDirectories(consoleLog.toAbsolutePath().getParent());
            Files.createDirectories(pidFile.toAbsolutePath().getParent());
            Path qmpSocket = qmpSocket(consoleLog.toAbsolutePath().resolveSibling("qmp.sock"));
            Files.deleteIfExists(qmpSocket);
            List<String> command = config.machine().vmm().command(config, qmpSocket);
            Files.write(consoleLog.resolveSibling(COMMAND_FILE), command, StandardCharsets.UTF_8);
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(consoleLog.toFile())
                    .redirectInput(ProcessBuilder.Redirect.PIPE);
            long t0 = System.nanoTime();
            Process p = pb.start();
            VirtualMachine vm = new VirtualMachine(config, p, consoleLog, pidFile, qmpSocket, t0);
            Runtime.getRuntime().addShutdownHook(vm.shutdownHook);
            StaleVmSweeper.record(pidFile, p.pid(), config.machine().name(), project);
            return vm;
        } catch (IOException e) {
            throw new VmException("Could not start " + config.machine().binary() + ": " + e.getMessage(), e);
        }
    }

    /** The kernel's own initrd followed by fs0's CPIO, when the kernel brings one (the CI test guest). */
    private static void combineInitrds(VmConfig config) {
        if (config.guest().initrd() == null) {
            return;
        }
        Path combined = config.machine().vmm().initrd(config);
        Path tmp = combined.resolveSibling(combined.getFileName() + ".tmp");
        try {
            try (var out = Files.newOutputStream(tmp)) {
                long n = Files.copy(config.guest().initrd(), out);
                // Each archive of a concatenated initramfs starts on a 4-byte boundary.
                out.write(new byte[(int) ((4 - n % 4) % 4)]);
                Files.copy(config.guest().fs0Initrd(), out);
            }
            Files.move(tmp, combined, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new VmException("Could not write " + combined + ": " + e.getMessage(), e);
        }
    }

    private static Path qmpSocket(Path preferred) throws IOException {
        if (preferred.toString().length() <= MAX_SOCKET_PATH) {
            return preferred;
        }
        return Files.createTempDirectory("ukfaas-qmp").resolve("qmp.sock");
    }

    private static void checkFile(Path file, String what, String property) {
        if (!Files.isRegularFile(file)) {
            throw new VmException("The " + what + " " + file + " does not exist or is not a file: set " + property
                    + " to an existing " + what + " image");
        }
        if (!Files.isReadable(file)) {
            throw new VmException("The " + what + " " + file + " is not readable by this user");
        }
    }

    public VmConfig config() {
        return config;
    }

    public Path consoleLog() {
        return consoleLog;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Exit code, or -1 while running. */
    public int exitCode() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /**
     * Why the guest stopped while QEMU lives on, if it did: QEMU's run state over QMP (e.g.
     * {@code internal-error} after a KVM emulation failure), or QEMU's KVM error on the console.
     */
    public synchronized Optional<String> haltedState() {
        if (!process.isAlive()) {
            return Optional.empty();
        }
        try {
            if (qmp == null && Files.exists(qmpSocket)) {
                qmp = Qmp.connect(qmpSocket, QMP_TIMEOUT);
            }
            if (qmp != null) {
                String status = qmp.status(QMP_TIMEOUT);
                if (HALTED_STATES.contains(status)) {
                    return Optional.of(status);
                }
            }
        } catch (IOException e) {
            closeQmp();
        }
        // The second signal, and only KVM prints it: no need to re-read the console under TCG.
        boolean kvmError = config.machine().accelerator() == Accelerator.KVM
                && ConsoleLog.tail(consoleLog, 40).stream().anyMatch(l -> l.contains(KVM_INTERNAL_ERROR));
        return kvmError ? Optional.of("internal-error") : Optional.empty();
    }

    public double secondsSinceStart() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Blocks until QEMU exits (for the interactive run goal). */
    public int waitFor() throws InterruptedException {
        return process.waitFor();
    }

    @Override
    public void close() {
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or has run: it did the same work.
        }
    }

    private synchronized void closeQmp() {
        if (qmp != null) {
            qmp.close();
            qmp = null;
        }
    }

    /** Stops QEMU: SIGTERM, a short grace period, then SIGKILL. Safe to call more than once. */
    private void kill() {
        closeQmp();
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(3, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(qmpSocket);
            if (qmpSocket.getParent().getFileName().toString().startsWith("ukfaas-qmp")) {
                Files.deleteIfExists(qmpSocket.getParent());
            }
            if (StaleVmSweeper.recordedPid(pidFile).filter(pid -> pid == process.pid()).isPresent()) {
                Files.delete(pidFile);
            }
        } catch (IOException ignored) {
            // A stale pidfile only costs the next build a harmless check.
        }
    }
}
