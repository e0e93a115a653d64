package io.github.unikernelfaas.vm;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Boots a function VM and waits until it serves: sweeps a VM an earlier killed build left behind,
 * starts QEMU, waits for /health, and stops QEMU again if it never gets there. Auto-detected KVM that
 * does not run the guest (QEMU dies, the guest halts in internal-error, or nothing answers within
 * {@link #KVM_TRIAL}) gives way to TCG, and the verdict is remembered for this host, QEMU and kernel.
 */
public final class FunctionVm implements AutoCloseable {
    /** A working KVM brings our guests to /health in a few seconds; TCG takes 2-7 s. */
    static final Duration KVM_TRIAL = Duration.ofSeconds(20);

    private final VirtualMachine vm;
    private final double bootSeconds;
    private final boolean restored;

    /** The console from the moment the VM served: a fatal line after it means the VM stopped serving. */
    private final ConsoleWatch console;

    FunctionVm(VirtualMachine vm, double bootSeconds, boolean restored) {
        this.vm = vm;
        this.bootSeconds = bootSeconds;
        this.restored = restored;
        this.console = ConsoleWatch.fromEnd(vm.consoleLog(), vm.config());
    }

    /**
     * Why the VM can serve no more, with the console's tail, if it cannot: its console showed a fatal line
     * since it became ready (e.g. the wrapper's os._exit line, a kernel crash), QEMU exited, or the guest
     * halted. Cheap enough to ask every few hundred milliseconds while a request runs.
     */
    public synchronized Optional<String> stopped() {
        String why = console.poll().map(FatalLines.Fatal::message).orElse(null);
        if (why == null && !vm.isAlive()) {
            why = "QEMU exited with code " + vm.exitCode() + ".";
        }
        if (why == null) {
            why = vm.haltedState().map(state -> "The guest halted (QEMU state " + state + ").").orElse(null);
        }
        return why == null ? Optional.empty() : Optional.of(why + "\n"
                + ConsoleLog.describeTail(vm.consoleLog(), Readiness.CONSOLE_TAIL_LINES));
    }

    /** Boots with the accelerator in {@code config}, no fallback (tests and tools). */
    public static FunctionVm boot(VmConfig config, Path workDir, HttpClient client, Duration bootTimeout,
            Consumer<String> log) {
        return boot(config, AcceleratorChoice.of(config.machine().accelerator()), null, workDir,
                VmRecord.inWorkDir(workDir), client, bootTimeout, BootLog.to(log));
    }

    /**
     * @param verdicts where KVM failures are remembered, or null not to remember them
     * @param workDir  holds the console log and the QMP socket
     * @param record   where the running VM is recorded; a VM it names from an earlier build is stopped first
     */
    public static FunctionVm boot(VmConfig config, AcceleratorChoice choice, KvmVerdicts verdicts, Path workDir,
            VmRecord record, HttpClient client, Duration bootTimeout, BootLog log) {
        return boot(config, choice, verdicts, null, workDir, record, client, bootTimeout, log);
    }

    /**
     * As above; with {@code warm}, a state saved by an earlier boot of the same VM is restored instead of
     * booting, and a cold boot saves its state for the next one.
     */
    public static FunctionVm boot(VmConfig config, AcceleratorChoice choice, KvmVerdicts verdicts, WarmStart warm,
            Path workDir, VmRecord record, HttpClient client, Duration bootTimeout, BootLog log) {
        for (Path stale : record.sweepable()) {
            StaleVmSweeper.sweep(stale, config.machine().vmm(), log.info());
        }
        choice.note().ifPresent(log.warn());
        VmConfig first = config.withAccelerator(choice.first());
        Optional<WarmStart.Plan> plan = warm == null ? Optional.empty() : warm.plan(first, log.info(), log.warn());
        try {
            if (plan.isPresent() && plan.get().saved().isPresent()) {
                Optional<FunctionVm> restored = warm.restore(plan.get(), first, workDir, record, client, log);
                if (restored.isPresent()) {
                    return restored.get();
                }
                plan = Optional.of(plan.get().withoutState()); // dropped: the cold boot saves a fresh one
            }
            FunctionVm vm = coldBoot(config, choice, verdicts, first, workDir, record, client, bootTimeout, log);
            try {
                Optional<GuestClock.Rate> clock = checkClock(vm, client, log);
                // A KVM boot that fell back to TCG is keyed differently: the next boot (TCG at once) saves.
                if (plan.isPresent() && vm.accelerator() == first.machine().accelerator()) {
                    if (clock.isPresent() && clock.get().skewed()) {
                        log.info().accept("Warm start: not saving this boot's state: its clock runs at "
                                + clock.get().describe() + ", and every restore would keep that rate; the next cold"
                                + " boot calibrates again and saves if its clock is right");
                    } else {
                        warm.save(plan.get(), vm, client, log);
                    }
                }
            } catch (InterruptedException e) {
                vm.close();
                throw e;
            }
            return vm;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmException("Interrupted while starting the VM", e);
        }
    }

    /**
     * Compares the guest's clock rate with the host's over {@link GuestClock#GAP} right after the boot; warns when
     * it is off by more than {@link GuestClock#TOLERANCE}. Empty when it cannot be measured (said at info).
     */
    static Optional<GuestClock.Rate> checkClock(FunctionVm vm, HttpClient client, BootLog log)
            throws InterruptedException {
        Optional<GuestClock.Rate> rate = GuestClock.measure(vm.vm(), client, GuestClock.GAP,
                why -> log.info().accept("The guest's clock rate is unknown: " + why));
        rate.filter(r -> !r.skewed()).ifPresent(r -> log.info().accept(String.format("Guest clock: %s, within"
                + " %.0f %%", r.describe(), GuestClock.TOLERANCE * 100)));
        rate.filter(GuestClock.Rate::skewed).ifPresent(r -> log.warn().accept("The guest's clock runs at "
                + r.describe() + ": the kernel misjudged the CPU's clock at boot (TCG on a loaded host). time.sleep,"
                + " time.time(), log times and the handler's time limit (unikernel.handlerTimeout) drift by as much"
                + " inside this VM; each invocation is still bounded by the host's clock (unikernel.invokeTimeout)."
                + " Another boot usually calibrates right."));
        return rate;
    }

    private static FunctionVm coldBoot(VmConfig config, AcceleratorChoice choice, KvmVerdicts verdicts,
            VmConfig first, Path workDir, VmRecord record, HttpClient client, Duration bootTimeout, BootLog log) {
        if (first.machine().accelerator() != Accelerator.KVM) {
            return attempt(first, workDir, record, client, bootTimeout, log);
        }
        Duration window = choice.fallBackToTcg() && KVM_TRIAL.compareTo(bootTimeout) < 0 ? KVM_TRIAL : bootTimeout;
        try {
            return attempt(first, workDir, record, client, window, log);
        } catch (VmException e) {
            Optional<String> why = kvmFailure(e, choice.fallBackToTcg());
            if (why.isEmpty()) {
                throw e;
            }
            if (!choice.fallBackToTcg()) {
                remember(verdicts, config, why.get());
                throw new VmException("The guest does not run under KVM on this host: " + why.get() + ". Use -D"
                        + AcceleratorChoice.PROPERTY + "=tcg (software emulation) or -D" + AcceleratorChoice.PROPERTY
                        + "=auto.\n" + e.getMessage(), e);
            }
            log.warn().accept("KVM is present but does not run this guest (" + why.get() + "): booting under TCG"
                    + " instead. Later boots on this host start under TCG at once; -D" + AcceleratorChoice.PROPERTY
                    + "=tcg skips the attempt.");
            FunctionVm vm = attempt(config.withAccelerator(Accelerator.TCG), workDir, record, client, bootTimeout, log);
            remember(verdicts, config, why.get());
            return vm;
        }
    }

    private static FunctionVm attempt(VmConfig config, Path workDir, VmRecord record, HttpClient client,
            Duration timeout, BootLog log) {
        Path console = workDir.resolve("console.log");
        log.info().accept("Booting " + config.guest().kernel().getFileName() + " under "
                + config.machine().vmm().name() + " (" + config.machine().accelerator().description()
                + "), port 127.0.0.1:" + config.guest().hostPort() + " -> guest " + config.guest().guestPort()
                + "; console: " + console);
        VirtualMachine vm = VirtualMachine.start(config, console, record.file(), record.project());
        try {
            return new FunctionVm(vm, Readiness.await(vm, client, timeout, log.info()), false);
        } catch (RuntimeException e) {
            vm.close();
            throw e;
        }
    }

    /** Why a failed KVM attempt is KVM's fault, if it is. */
    static Optional<String> kvmFailure(VmException e, boolean trial) {
        if (e instanceof GuestHaltedException h) {
            return Optional.of("QEMU stopped the guest in state " + h.state());
        }
        if (e instanceof QemuExitedException x) {
            // QEMU's own complaint comes last, after whatever the guest printed.
            for (int i = x.consoleTail().size() - 1; i >= 0; i--) {
                String line = x.consoleTail().get(i);
                if (line.toLowerCase(Locale.ROOT).contains("kvm")) {
                    return Optional.of("QEMU exited: " + line.trim());
                }
            }
            return Optional.empty();
        }
        if (e instanceof BootTimeoutException && trial) {
            return Optional.of("no answer within " + KVM_TRIAL.toSeconds() + " s under KVM");
        }
        return Optional.empty();
    }

    private static void remember(KvmVerdicts verdicts, VmConfig config, String why) {
        if (verdicts != null) {
            verdicts.recordFailure(config, why);
        }
    }

    /** The process behind it, for tools and tests. */
    public VirtualMachine vm() {
        return vm;
    }

    /** The accelerator that ran the guest (auto-detected KVM may have given way to TCG). */
    public Accelerator accelerator() {
        return vm.config().machine().accelerator();
    }

    public boolean isAlive() {
        return vm.isAlive();
    }

    public Path consoleLog() {
        return vm.consoleLog();
    }

    /** Blocks until the VM stops on its own; returns the VMM's exit code. */
    public int waitForExit() throws InterruptedException {
        return vm.waitFor();
    }

    public int hostPort() {
        return vm.config().guest().hostPort();
    }

    /** Seconds from QEMU's start to the first answer on /health (of a restore, for a warm start). */
    public double bootSeconds() {
        return bootSeconds;
    }

    /** Whether this VM was restored from a saved state (a warm start) rather than booted. */
    public boolean restored() {
        return restored;
    }

    @Override
    public void close() {
        vm.close();
    }
}
