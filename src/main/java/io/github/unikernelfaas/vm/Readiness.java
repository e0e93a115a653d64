package io.github.unikernelfaas.vm;

import io.github.unikernelfaas.guest.GuestContract;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Waits until the guest answers {@code GET /health} with 200. A TCP connect proves nothing: QEMU's
 * user network accepts connections before the guest listens. Fails fast when QEMU exits.
 */
public final class Readiness {
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    /** No silent minute: a line this often while the guest is not ready (Maven's -q hides it). */
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
    static final int CONSOLE_TAIL_LINES = 30;

    private Readiness() {
    }

    /**
     * Where the kernel's symbols are, when the build kept them beside it ({@code <kernel>.dbg}): a
     * crash dump's addresses mean something only with them.
     */
    static String symbolsHint(VirtualMachine vm) {
        java.nio.file.Path kernel = vm.config().guest().kernel();
        java.nio.file.Path dbg = kernel.resolveSibling(kernel.getFileName() + ".dbg");
        if (!java.nio.file.Files.isRegularFile(dbg)) {
            return "";
        }
        return "\nThe kernel's symbols: " + dbg + " (e.g. addr2line -f -e " + dbg + " <address from the dump>).";
    }

    static String progressLine(double elapsed, Duration timeout, String accelerator, String lastProblem) {
        return String.format("Waiting for /health: %.0f s of %d s under %s (last: %s)", elapsed,
                timeout.toSeconds(), accelerator, lastProblem);
    }

    /** Returns the seconds from QEMU start to the first healthy answer. */
    public static double await(VirtualMachine vm, HttpClient client, Duration timeout) {
        return await(vm, client, timeout, POLL, line -> { });
    }

    /** As above, telling {@code progress} every few seconds. */
    public static double await(VirtualMachine vm, HttpClient client, Duration timeout,
            java.util.function.Consumer<String> progress) {
        return await(vm, client, timeout, POLL, progress);
    }

    /** As above, probing every {@code poll} (a restored guest answers within ~0.1 s: 200 ms steps would double it). */
    static double await(VirtualMachine vm, HttpClient client, Duration timeout, Duration poll,
            java.util.function.Consumer<String> progress) {
        URI health = URI.create("http://127.0.0.1:" + vm.config().guest().hostPort() + GuestContract.HEALTH_PATH);
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long nextProgress = start + PROGRESS_EVERY.toNanos();
        String lastProblem = "no answer yet";
        while (true) {
            if (System.nanoTime() >= nextProgress) {
                nextProgress += PROGRESS_EVERY.toNanos();
                progress.accept(progressLine(vm.secondsSinceStart(), timeout,
                        vm.config().machine().accelerator().description(), lastProblem));
            }
            if (!vm.isAlive()) {
                throw new QemuExitedException("QEMU exited with code " + vm.exitCode() + " before the function answered "
                        + health + " (" + String.format("%.1f", vm.secondsSinceStart()) + " s after start).\n"
                        + ConsoleLog.describeTail(vm.consoleLog(), CONSOLE_TAIL_LINES) + symbolsHint(vm),
                        ConsoleLog.tail(vm.consoleLog(), CONSOLE_TAIL_LINES));
            }
            java.util.Optional<String> halted = vm.haltedState();
            if (halted.isPresent()) {
                throw new GuestHaltedException(halted.get(), "The guest stopped under "
                        + vm.config().machine().accelerator().description() + " (" + vm.config().machine().vmm().name() + " state " + halted.get() + ") "
                        + String.format("%.1f", vm.secondsSinceStart()) + " s after start, before the function answered "
                        + health + ".\n" + ConsoleLog.describeTail(vm.consoleLog(), CONSOLE_TAIL_LINES));
            }
            try {
                HttpResponse<Void> r = client.send(HttpRequest.newBuilder(health).timeout(PROBE_TIMEOUT).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return vm.secondsSinceStart();
                }
                lastProblem = "HTTP " + r.statusCode();
            } catch (IOException e) {
                lastProblem = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VmException("Interrupted while waiting for the VM to become ready", e);
            }
            if (System.nanoTime() > deadline) {
                throw new BootTimeoutException("The function did not become ready within " + timeout.toSeconds()
                        + " s under " + vm.config().machine().accelerator().description() + " (unikernel.bootTimeout): "
                        + health + " last gave " + lastProblem + ".\n"
                        + ConsoleLog.describeTail(vm.consoleLog(), CONSOLE_TAIL_LINES));
            }
            try {
                Thread.sleep(poll.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VmException("Interrupted while waiting for the VM to become ready", e);
            }
        }
    }
}
