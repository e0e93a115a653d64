package io.github.unikernelfaas.vm;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Boots a function VM and waits until it serves: sweeps a VM an earlier killed build left behind,
 * starts QEMU, waits for /health, and stops QEMU again if it never gets there.
 */
public final class FunctionVm implements AutoCloseable {
    private final VirtualMachine vm;
    private final double bootSeconds;

    private FunctionVm(VirtualMachine vm, double bootSeconds) {
        this.vm = vm;
        this.bootSeconds = bootSeconds;
    }

    /**
     * @param workDir holds the console log and the pidfile
     */
    public static FunctionVm boot(VmConfig config, Path workDir, HttpClient client, Duration bootTimeout,
            Consumer<String> log) {
        Path pidFile = workDir.resolve("qemu.pid");
        StaleVmSweeper.sweep(pidFile, log);
        Path console = workDir.resolve("console.log");
        log.accept("Booting " + config.kernel().getFileName() + " under QEMU (" + config.accelerator().description()
                + "), port 127.0.0.1:" + config.hostPort() + " -> guest " + config.guestPort()
                + "; console: " + console);
        VirtualMachine vm = VirtualMachine.start(config, console, pidFile);
        try {
            double seconds = Readiness.await(vm, client, bootTimeout);
            return new FunctionVm(vm, seconds);
        } catch (RuntimeException e) {
            vm.close();
            if (config.tcgFallback() && kvmFailed(vm)) {
                String why = ConsoleLog.tail(console, 1).stream().findFirst().orElse("no message");
                log.accept("KVM is present but QEMU cannot use it (" + why + "): booting under TCG instead."
                        + " Use -Dunikernel.accel=tcg to skip the attempt.");
                return boot(config.withAccelerator(Accelerator.TCG), workDir, client, bootTimeout, log);
            }
            throw e;
        }
    }

    /** QEMU died at start-up and said why in KVM's terms (nested or restricted virtualisation). */
    private static boolean kvmFailed(VirtualMachine vm) {
        return !vm.isAlive() && vm.config().accelerator() == Accelerator.KVM
                && ConsoleLog.tail(vm.consoleLog(), 10).stream()
                        .anyMatch(l -> l.toLowerCase(java.util.Locale.ROOT).contains("kvm"));
    }

    public VirtualMachine vm() {
        return vm;
    }

    public int hostPort() {
        return vm.config().hostPort();
    }

    public double bootSeconds() {
        return bootSeconds;
    }

    @Override
    public void close() {
        vm.close();
    }
}
