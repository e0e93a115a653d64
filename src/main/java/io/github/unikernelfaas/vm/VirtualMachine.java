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
    private final LaunchPaths paths;
    private final Thread shutdownHook;
    private final long startNanos;
    private Qmp qmp;

    /** QEMU run states in which the guest has stopped for good while QEMU itself lives on. */
    static final Set<String> HALTED_STATES = Set.of("internal-error", "guest-panicked", "io-error", "shutdown",
            "watchdog");
    /** What QEMU prints when KVM cannot execute the guest (the vCPU then stops, QEMU stays alive). */
    static final String KVM_INTERNAL_ERROR = "KVM internal error";
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(1);

    private VirtualMachine(VmConfig config, Process process, Path consoleLog, Path pidFile, Path qmpSocket,
            LaunchPaths paths, long startNanos) {
        this.config = config;
        this.process = process;
        this.consoleLog = consoleLog;
        this.pidFile = pidFile;
        this.qmpSocket = qmpSocket;
        this.paths = paths;
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
        return start(config, consoleLog, pidFile, project, null);
    }

    /**
     * As {@link #start(VmConfig, Path, Path, Path)}; with {@code restoreFrom}, QEMU loads that saved state
     * instead of booting (then {@link #resumeRestored}).
     */
    public static VirtualMachine start(VmConfig config, Path consoleLog, Path pidFile, Path project, Path restoreFrom) {
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
        // QEMU splits some paths at commas and spaces: those reach it as links in a private directory.
        LaunchPaths paths = new LaunchPaths(LaunchPaths.besideRecord(pidFile.toAbsolutePath()));
        try {
            Files.createDirectories(consoleLog.toAbsolutePath().getParent());
            Files.createDirectories(pidFile.toAbsolutePath().getParent());
            Path qmpSocket = paths.socket(consoleLog.toAbsolutePath().resolveSibling("qmp.sock"));
            Files.deleteIfExists(qmpSocket);
            List<String> command = new java.util.ArrayList<>(config.machine().vmm().command(config, qmpSocket,
                    paths::file));
            if (restoreFrom != null) {
                command.addAll(config.machine().vmm().restoreArgs(restoreFrom));
            }
            Files.write(consoleLog.resolveSibling(COMMAND_FILE), command, StandardCharsets.UTF_8);
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(consoleLog.toFile())
                    .redirectInput(ProcessBuilder.Redirect.PIPE);
            long t0 = System.nanoTime();
            Process p = pb.start();
            VirtualMachine vm = new VirtualMachine(config, p, consoleLog, pidFile, qmpSocket, paths, t0);
            Runtime.getRuntime().addShutdownHook(vm.shutdownHook);
            StaleVmSweeper.record(pidFile, p.pid(), config.machine().name(), project);
            return vm;
        } catch (IOException e) {
            paths.close();
            throw new VmException("Could not start " + config.machine().binary() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            paths.close();
            throw e;
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
            // Owner-only from the start: with a run-time environment, fs0's CPIO holds secrets.
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
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

    /**
     * Pauses the guest, writes its whole state (RAM and devices) to {@code file} over QMP, and lets it run
     * on: the caller's VM keeps serving. Returns the seconds the guest was paused.
     */
    public synchronized double saveState(Path file, Duration timeout) throws IOException {
        Qmp q = qmp(timeout);
        long t0 = System.nanoTime();
        long deadline = t0 + timeout.toNanos();
        q.execute("stop", QMP_TIMEOUT);
        try {
            q.execute("migrate", java.util.Map.of("uri", config.machine().vmm().saveTarget(file)), QMP_TIMEOUT);
            while (true) {
                com.fasterxml.jackson.databind.JsonNode r = q.execute("query-migrate", QMP_TIMEOUT);
                String status = r.path("status").asText("");
                if (status.equals("completed")) {
                    break;
                }
                if (status.equals("failed") || status.equals("cancelled")) {
                    throw new IOException("the migration " + status + ": " + r.path("error-desc").asText("no reason given"));
                }
                if (System.nanoTime() > deadline) {
                    q.execute("migrate_cancel", QMP_TIMEOUT);
                    throw new IOException("the migration took over " + timeout.toSeconds() + " s (status " + status + ")");
                }
                sleep(10);
            }
        } finally {
            q.execute("cont", QMP_TIMEOUT);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * After a start with a saved state: waits until QEMU has loaded it, then lets the guest run. Fails when
     * QEMU exits (it does when the state does not fit the command line) or ends in another state.
     */
    public synchronized void resumeRestored(Duration timeout) throws IOException {
        resumeRestored(timeout, () -> { });
    }

    /** A check that may refuse to let the loaded guest run. */
    @FunctionalInterface
    public interface Gate {
        void check() throws IOException;
    }

    /** As above; {@code gate} runs once the state is loaded, before the guest runs a single instruction. */
    public synchronized void resumeRestored(Duration timeout, Gate gate) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Qmp q = qmp(timeout);
        String status;
        while ((status = q.status(QMP_TIMEOUT)).equals("inmigrate")) {
            if (System.nanoTime() > deadline) {
                throw new IOException("QEMU was still loading the saved state after " + timeout.toSeconds() + " s");
            }
            sleep(5);
        }
        gate.check();
        if (status.equals("paused") || status.equals("postmigrate")) {
            q.execute("cont", QMP_TIMEOUT);
        } else if (!status.equals("running")) {
            throw new IOException("QEMU is in state " + status + " after loading the saved state");
        }
    }

    /** The QMP connection, made once QEMU has created its socket. */
    private Qmp qmp(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (qmp == null) {
            if (!process.isAlive()) {
                throw new IOException("QEMU exited with code " + process.exitValue());
            }
            boolean late = System.nanoTime() > deadline;
            if (Files.exists(qmpSocket)) {
                try {
                    qmp = Qmp.connect(qmpSocket, QMP_TIMEOUT);
                    continue;
                } catch (java.net.ConnectException e) {
                    // The socket file exists from QEMU's bind() on, but is refused until its listen(): a busy
                    // host can stop QEMU in between (a warm restore failed so once).
                    if (late) {
                        throw e;
                    }
                }
            } else if (late) {
                throw new IOException("QEMU did not open its QMP socket " + qmpSocket + " in time");
            }
            sleep(5);
        }
        return qmp;
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
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
            paths.close();
            if (StaleVmSweeper.recordedPid(pidFile).filter(pid -> pid == process.pid()).isPresent()) {
                Files.delete(pidFile);
            }
        } catch (IOException ignored) {
            // A stale pidfile only costs the next build a harmless check.
        }
    }
}
