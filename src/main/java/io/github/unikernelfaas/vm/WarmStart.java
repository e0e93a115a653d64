package io.github.unikernelfaas.vm;

import io.github.unikernelfaas.guest.GuestContract;
import io.github.unikernelfaas.host.Digests;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Warm start: after a cold boot answers /health, the VM's state is saved (QEMU migration to a file) under a
 * key over everything that shapes the guest; the next boot with the same key loads it instead of booting,
 * tells the wrapper it was restored (fresh entropy, the host's clock) and checks /health. Anything that
 * goes wrong is said and ends in a cold boot.
 */
public final class WarmStart {
    public static final String PROPERTY = "unikernel.warmStart";
    /** The wrapper's private path: re-seed after a restore. */
    static final String RESTORED_PATH = GuestContract.RESTORED_PATH;
    /** Loading ~50 MB of state takes ~0.2 s under TCG: anything near this is broken. */
    static final Duration RESTORE_TIMEOUT = Duration.ofSeconds(15);
    static final Duration SAVE_TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CPUINFO = Path.of("/proc/cpuinfo");
    private static final Path OS_RELEASE = Path.of("/proc/sys/kernel/osrelease");

    private final SnapshotCache cache;

    /** @param dir where states live, e.g. {@code ~/.cache/unikernel-faas/snapshots} */
    public WarmStart(Path dir) {
        this(new SnapshotCache(dir));
    }

    WarmStart(SnapshotCache cache) {
        this.cache = cache;
    }

    public SnapshotCache cache() {
        return cache;
    }

    /** What a boot may do: restore or save under {@code key}, or nothing, for the reason given. */
    public record Plan(String key, String inputs, Optional<Path> saved) {
        Plan withoutState() {
            return new Plan(key, inputs, Optional.empty());
        }
    }

    /** The plan for this VM, or empty (and why, at info) when it cannot be snapshotted. */
    public Optional<Plan> plan(VmConfig config, java.util.function.Consumer<String> log) {
        return plan(config, log, log);
    }

    /**
     * As above; a saved state that cannot be restored (truncated, altered: its size or MAC does not match) is
     * dropped, saying why at warn.
     */
    public Optional<Plan> plan(VmConfig config, java.util.function.Consumer<String> info,
            java.util.function.Consumer<String> warn) {
        Optional<String> why = ineligible(config);
        if (why.isPresent()) {
            info.accept("Warm start off for this VM: " + why.get() + "; every boot is cold");
            return Optional.empty();
        }
        Guest g = config.guest();
        if (!Files.isRegularFile(g.kernel()) || !Files.isRegularFile(g.fs0Initrd())
                || (g.initrd() != null && !Files.isRegularFile(g.initrd()))) {
            return Optional.empty(); // the start names what is missing
        }
        String inputs = inputs(config);
        String key = Digests.sha256(inputs).substring(0, 24);
        SnapshotCache.Lookup found = cache.lookup(key, inputs);
        if (found.unusable().isPresent()) {
            warn.accept("Warm start: dropping the saved state in " + cache.dir().resolve(key) + ": "
                    + found.unusable().get() + "; booting cold (the boot saves a fresh one)");
            try {
                cache.remove(key, info);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VmException("Interrupted while dropping a saved state", e);
            }
        }
        return Optional.of(new Plan(key, inputs, found.state()));
    }

    /** Why QEMU cannot migrate this VM, if it cannot. */
    static Optional<String> ineligible(VmConfig config) {
        if (config.guest().root() == RootKind.NINE_P) {
            return Optional.of("the 9p root (QEMU refuses to save a VM with a mounted 9p export; -D" + RootKind.PROPERTY
                    + "=initrd can be saved)");
        }
        for (String a : config.machine().extraArgs()) {
            String arg = a.toLowerCase(Locale.ROOT);
            if (arg.contains("virtio-9p") || arg.equals("-fsdev") || arg.equals("-virtfs")) {
                return Optional.of("unikernel.qemuArgs adds a 9p share (" + a + "), which QEMU refuses to save once the"
                        + " guest mounts it");
            }
        }
        return Optional.empty();
    }

    /**
     * What the key covers, one item a line: the QEMU command line with the per-run parts (host port, QMP
     * socket) fixed and the files replaced by their digests (kernel, its initrd, fs0's CPIO, which holds the
     * function), the QEMU binary, and for KVM the host kernel and CPU (-cpu host).
     */
    static String inputs(VmConfig config) {
        Guest g = config.guest();
        Guest fixed = new Guest(g.kernel(), g.initrd(), g.kernelArgs(), g.root(), g.fs0(), g.fs0Initrd(), 1,
                g.guestPort(), g.virtio());
        VmConfig c = new VmConfig(config.machine(), fixed, config.memoryFloor());
        StringBuilder sb = new StringBuilder("format 1\n");
        // The socket is host-side, so a fixed absolute one: a relative path would resolve against the working
        // directory, and the same project in another directory would never restore.
        List<String> command = c.machine().vmm().command(c, Path.of("/qmp.sock"));
        Path loaded = c.machine().vmm().initrd(c);
        for (String arg : command.subList(1, command.size())) {
            arg = replace(arg, g.kernel(), "@kernel");
            arg = loaded == null ? arg : replace(arg, loaded, "@initrd");
            sb.append("arg ").append(arg.replace('\n', ' ')).append('\n');
        }
        sb.append("kernel ").append(digest(g.kernel())).append('\n');
        if (g.initrd() != null) {
            sb.append("kernel-initrd ").append(digest(g.initrd())).append('\n');
        }
        sb.append("fs0 ").append(digest(g.fs0Initrd())).append('\n');
        sb.append("vmm ").append(identity(c.machine().binary())).append('\n');
        if (c.machine().accelerator() == Accelerator.KVM) {
            sb.append("host ").append(read(OS_RELEASE).trim()).append('\n');
            sb.append("cpu ").append(Digests.sha256(cpuLines())).append('\n');
        }
        return sb.toString();
    }

    private static String replace(String arg, Path file, String token) {
        return arg.replace(file.toAbsolutePath().toString(), token).replace(file.toString(), token);
    }

    /**
     * Loads the saved state; returns the running VM once it answers /health and the wrapper has re-seeded,
     * or empty (having said why, dropped the state and stopped QEMU) for a cold boot.
     */
    Optional<FunctionVm> restore(Plan plan, VmConfig config, Path workDir, VmRecord record, HttpClient client,
            BootLog log) throws InterruptedException {
        Path state = plan.saved().orElseThrow();
        Path console = workDir.resolve("console.log");
        log.info().accept("Warm start: restoring the VM saved in " + state.getParent() + " under "
                + config.machine().accelerator().description() + ", port 127.0.0.1:" + config.guest().hostPort()
                + " -> guest " + config.guest().guestPort() + "; console: " + console);
        // The MAC is checked while QEMU loads the state; the guest runs only once it matched.
        java.util.concurrent.CompletableFuture<Optional<String>> mac = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> cache.verify(plan.key(), plan.inputs()));
        VirtualMachine vm;
        try {
            vm = VirtualMachine.start(config, console, record.file(), record.project(), state);
        } catch (RuntimeException e) {
            mac.cancel(true);
            throw e;
        }
        try {
            vm.resumeRestored(RESTORE_TIMEOUT, () -> {
                Optional<String> bad = mac.join();
                if (bad.isPresent()) {
                    throw new Rejected(bad.get());
                }
            });
            double ready = Readiness.await(vm, client, RESTORE_TIMEOUT, Duration.ofMillis(10), line -> { });
            Reseeded r = reseed(vm, client, readToken(state));
            log.info().accept(String.format("Warm start: restored and answering after %.2f s; re-seeded %s; guest wall"
                    + " clock %s", ready, r.what(), r.clockSet() ? "set to the host's" : String.format("%.0f s behind the"
                    + " host's (%s)", r.lagSeconds(), r.clock())));
            if (!r.clockSet() && r.lagSeconds() > CLOCK_WARNING.toSeconds()) {
                log.warn().accept(String.format("Warm start: the guest's wall clock (time.time(), datetime.now()) is %.0f"
                        + " s behind: the kernel cannot set it after a restore. A function that needs the time of day"
                        + " wants -D%s=false", r.lagSeconds(), PROPERTY));
            }
            return Optional.of(new FunctionVm(vm, ready, true));
        } catch (Rejected e) {
            vm.close();
            log.warn().accept("Warm start: dropping the saved state in " + state.getParent() + ": " + e.getMessage()
                    + "; booting cold (the boot saves a fresh one)");
            cache.remove(plan.key(), log.info());
            return Optional.empty();
        } catch (IOException | VmException e) {
            vm.close();
            String tail = String.join(" | ", ConsoleLog.tail(console, 3));
            log.warn().accept("Warm start failed (" + e.getMessage().lines().findFirst().orElse("")
                    + (tail.isEmpty() ? "" : "; console: " + tail) + "): dropping the saved state, booting cold");
            cache.remove(plan.key(), log.info());
            return Optional.empty();
        }
    }

    /** A saved state that must not run (its MAC does not match). */
    private static final class Rejected extends IOException {
        Rejected(String why) {
            super(why);
        }
    }

    /** A restored wall clock this far behind is worth a warning. */
    static final Duration CLOCK_WARNING = Duration.ofMinutes(1);

    /** What the wrapper did after a restore: what it re-seeded, and the guest's wall clock. */
    record Reseeded(String what, boolean clockSet, double lagSeconds, String clock) {
    }

    /**
     * Beside each saved state: the token the wrapper was armed with just before the save. Only a caller that
     * has it can re-seed the restored VM (or set its clock): the wrapper refuses a cold-booted VM, which was
     * never armed, and a caller without the token (wrapper.py's restored()).
     */
    static final String TOKEN_FILE = "restore-token";

    static String readToken(Path state) throws IOException {
        Path file = state.resolveSibling(TOKEN_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IOException("no " + TOKEN_FILE + " beside the saved state (saved by an older plugin)");
        }
        return Files.readString(file, StandardCharsets.US_ASCII).trim();
    }

    static void writeToken(Path state, String token) throws IOException {
        Path file = state.resolveSibling(TOKEN_FILE);
        Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, token + "\n", StandardCharsets.US_ASCII);
    }

    static String newToken() {
        byte[] token = new byte[32];
        new SecureRandom().nextBytes(token);
        return HexFormat.of().formatHex(token);
    }

    /** Tells the wrapper it was restored: 32 bytes of the host's entropy to re-seed with, and the host's clock. */
    static Reseeded reseed(VirtualMachine vm, HttpClient client, String token) throws IOException {
        byte[] seed = new byte[32];
        new SecureRandom().nextBytes(seed);
        String body = "{\"seed\":\"" + HexFormat.of().formatHex(seed) + "\",\"token\":\"" + token + "\",\"time\":"
                + System.currentTimeMillis() / 1000.0 + "}";
        HttpResponse<String> r = post(vm, client, body);
        JsonNode a = JSON.readTree(r.body());
        List<String> what = new java.util.ArrayList<>();
        a.path("reseeded").forEach(n -> what.add(n.asText()));
        if (what.isEmpty()) {
            throw new IOException("the wrapper re-seeded nothing after the restore: " + r.body());
        }
        double lag = System.currentTimeMillis() / 1000.0 - a.path("time").asDouble();
        return new Reseeded(String.join(", ", what), a.path("clock_set").asBoolean(), lag, a.path("clock").asText("?"));
    }

    /**
     * Before the save: the wrapper imports what its re-seeding needs, so that a restore does not pay for it, and
     * is armed with {@code token} (accepted once), which the restore must bring back.
     */
    static void prepare(VirtualMachine vm, HttpClient client, String token) throws IOException {
        String body = "{\"prepare\":true,\"token\":\"" + token + "\"}";
        try {
            post(vm, client, body);
        } catch (IOException e) {
            // A pooled connection the guest had just closed fails with no bytes at all, before the guest saw it.
            post(vm, client, body);
        }
    }

    private static HttpResponse<String> post(VirtualMachine vm, HttpClient client, String body) throws IOException {
        URI uri = URI.create("http://127.0.0.1:" + vm.config().guest().hostPort() + RESTORED_PATH);
        try {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("the wrapper answered " + RESTORED_PATH + " with HTTP " + r.statusCode() + ": "
                        + r.body());
            }
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while talking to the wrapper on " + RESTORED_PATH, e);
        }
    }

    /** Saves the running VM's state for the next boot, unless there is one already; says what it cost. */
    void save(Plan plan, FunctionVm vm, HttpClient client, BootLog log) throws InterruptedException {
        if (plan.saved().isPresent()) {
            return;
        }
        double[] paused = new double[1];
        long t0 = System.nanoTime();
        try {
            String token = newToken();
            prepare(vm.vm(), client, token);
            // A state holds at most the guest's RAM, plus a little device state.
            long room = (vm.vm().config().machine().memoryMb() + 16L) << 20;
            long size = cache.store(plan.key(), plan.inputs(), room, file -> {
                writeToken(file, token); // in the same entry, moved into place with the state
                paused[0] = vm.vm().saveState(file, SAVE_TIMEOUT);
            }, log.info());
            log.info().accept(String.format("Warm start: saved the VM's state (%d MB; guest paused %.2f s, %.2f s in all)"
                    + " in %s: the next boot with the same kernel, fs0, arguments and QEMU restores it (-D%s=false"
                    + " turns this off)", size >> 20, paused[0], (System.nanoTime() - t0) / 1e9,
                    cache.dir().resolve(plan.key()), PROPERTY));
        } catch (IOException | RuntimeException e) {
            log.warn().accept("Warm start: could not save the VM's state (" + e.getMessage() + "): the next boot is"
                    + " cold too");
        }
    }

    private static String identity(Path binary) {
        try {
            Path real = binary.toRealPath();
            return real + " " + Files.size(real) + " " + Files.getLastModifiedTime(real).toMillis();
        } catch (IOException e) {
            return binary.toString();
        }
    }

    /** The CPU's model and feature flags (-cpu host hands them to the guest). */
    private static String cpuLines() {
        return read(CPUINFO).lines().filter(l -> l.startsWith("model name") || l.startsWith("flags")).distinct()
                .reduce("", (a, b) -> a + b + "\n");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    static String digest(Path file) {
        try {
            return Digests.sha256(file);
        } catch (IOException e) {
            throw new VmException("Could not read " + file + " for the warm-start key: " + e.getMessage(), e);
        }
    }
}
