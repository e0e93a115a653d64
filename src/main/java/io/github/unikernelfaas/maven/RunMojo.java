package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.SettingRange;
import io.github.unikernelfaas.UnikernelException;
import io.github.unikernelfaas.invoke.FunctionClient;
import io.github.unikernelfaas.rootfs.Fs0Cpio;
import io.github.unikernelfaas.rootfs.LiveReload;
import io.github.unikernelfaas.vm.ConsoleFollower;
import io.github.unikernelfaas.vm.FunctionVm;
import io.github.unikernelfaas.vm.PortForwarder;
import io.github.unikernelfaas.vm.Ports;
import io.github.unikernelfaas.vm.RootKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Execute;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Builds the function and serves it on 127.0.0.1 until Ctrl-C (which stops QEMU). With unikernel.watch, a
 * saved change under the function directory takes effect without restarting Maven (see {@link LiveReload}).
 */
@Mojo(name = "run", threadSafe = true)
@Execute(phase = LifecyclePhase.COMPILE)
public class RunMojo extends AbstractVmMojo {
    private static final Duration POLL = Duration.ofMillis(300);

    /** The port on 127.0.0.1 the function is served on. */
    @Parameter(property = "unikernel.port", defaultValue = "8080")
    private int port;

    /**
     * Live reload: a saved change under the function directory is checked and served by the next request
     * (9p root: the guest re-imports the function; initrd root: the VM restarts). A change that does not
     * pass the check is logged and the old code keeps serving.
     */
    @Parameter(property = "unikernel.watch", defaultValue = "true")
    private boolean watch;

    @Override
    protected void checkSettings() {
        super.checkSettings();
        SettingRange.PORT.check(port);
    }

    @Override
    protected void run() throws MojoFailureException, InterruptedException {
        Ports.requireFree(port, "unikernel.port");
        // QEMU's forward sits on a free port behind ours: its backlog of one drops bursts of clients.
        int hostPort = Ports.free();
        HttpClient client = FunctionClient.newHttpClient();
        LinkedBlockingQueue<Set<String>> restarts = new LinkedBlockingQueue<>();
        Slot serving = new Slot(0, hostPort, boot(vmConfig(hostPort), client));
        try (PortForwarder forwarder = PortForwarder.start(port, hostPort, getLog()::warn);
                LiveReload reload = watch ? startWatching(restarts) : null) {
            // The handler's prints and tracebacks as they happen; the console log keeps them too.
            serving.console = follow(serving.vm);
            getLog().info(String.format("Function ready after %.2f s: http://127.0.0.1:%d/ (press Ctrl-C to stop)",
                    serving.vm.bootSeconds(), port));
            getLog().info("Try: curl -s -H 'Content-Type: application/json' -d '{\"name\":\"you\"}' http://127.0.0.1:"
                    + port + "/");
            while (true) {
                Set<String> changed = restarts.poll(500, TimeUnit.MILLISECONDS);
                if (changed != null) {
                    // Saves made while a new VM was booting: one more VM serves them all.
                    List<Set<String>> more = new java.util.ArrayList<>();
                    restarts.drainTo(more);
                    Set<String> all = new java.util.TreeSet<>(changed);
                    more.forEach(all::addAll);
                    serving = replace(serving, all, forwarder, client);
                } else {
                    // QEMU exited, the guest halted, or its console said it cannot go on (e.g. os._exit in a
                    // handler, which leaves a Unikraft VM hanging): say so rather than serve nothing.
                    Optional<String> stopped = serving.vm.stopped();
                    if (stopped.isPresent()) {
                        throw new MojoFailureException("The VM stopped on its own while serving. " + stopped.get());
                    }
                }
            }
        } finally {
            serving.close();
        }
    }

    /**
     * The initrd root holds fs0 in guest RAM, so new code needs a new VM. It boots beside the serving one
     * (another slot: work directory, record and port); our listener switches to it once it answers
     * /health, and the old VM stops once its open requests are answered. A new VM that does not boot is
     * reported and the old one keeps serving.
     */
    private Slot replace(Slot serving, Set<String> changed, PortForwarder forwarder, HttpClient client)
            throws InterruptedException {
        long start = System.nanoTime();
        String what = String.join(", ", changed);
        int index = 1 - serving.index;
        int nextPort = Ports.free();
        FunctionVm vm;
        try {
            // The marker tells a running guest to re-import; a new VM needs none, and its generation number
            // would make every fs0.cpio new, so that going back to earlier code could not restore its state.
            Files.deleteIfExists(fs0Layout().app().resolve(LiveReload.MARKER));
            Fs0Cpio.write(fs0.toPath(), fs0Initrd(), initrdRoot);
            vm = boot(vmConfig(nextPort), client, slotDir(index), record().slot(index));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not update " + fs0Layout().app(), e);
        } catch (UnikernelException e) {
            getLog().error("The VM with the new " + what + " did not start: the previous VM keeps serving. Save"
                    + " again to retry.\n" + e.render());
            return serving;
        }
        Slot next = new Slot(index, nextPort, vm);
        next.console = follow(vm);
        forwarder.retarget(nextPort);
        if (!forwarder.retire(serving.hostPort, invokeTimeout())) {
            getLog().warn("Requests still open on the previous VM after " + invokeTimeout().toSeconds()
                    + " s were cut off");
        }
        serving.close();
        getLog().info(String.format("Now serving the new %s from a new VM (initrd root, %.1f s; the previous VM"
                + " served until then)", what, (System.nanoTime() - start) / 1e9));
        return next;
    }

    /** Slot 0 works in the usual work directory; slot 1, the other VM during a switch, beside it. */
    private Path slotDir(int index) {
        return index == 0 ? workDir() : workDir().resolve("reload");
    }

    /** A serving VM, where it works and what follows its console. */
    private static final class Slot {
        final int index;
        final int hostPort;
        final FunctionVm vm;
        ConsoleFollower console;

        Slot(int index, int hostPort, FunctionVm vm) {
            this.index = index;
            this.hostPort = hostPort;
            this.vm = vm;
        }

        void close() {
            if (console != null) {
                console.close();
            }
            vm.close();
        }
    }

    private ConsoleFollower follow(FunctionVm vm) {
        try {
            return ConsoleFollower.fromEnd(vm.consoleLog(), line -> getLog().info("guest| " + line));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not follow the guest console", e);
        }
    }

    private LiveReload startWatching(LinkedBlockingQueue<Set<String>> restarts) {
        Path pythonBin = hostPython();
        List<Integer> grammar = flavour().grammarVersion();
        Optional<Path> guest = findGuestPython();
        boolean initrdRoot = rootKind() == RootKind.INITRD;
        Path source = functionDirectory.toPath();
        getLog().info("Watching " + source + ": a saved change is served by the next request"
                + (initrdRoot ? " (initrd root: a new VM takes over once it is up)" : "") + "; unikernel.watch=false turns this off");
        return LiveReload.start(source, fs0Layout(), new LiveReload.Check(pythonBin, grammar, guest),
                bytecode ? guest : Optional.empty(), POLL, new LiveReload.Listener() {
                    @Override
                    public void reloaded(Set<String> changed, Duration took) {
                        if (initrdRoot) {
                            restarts.add(changed);
                        } else {
                            getLog().info(String.format("Reloaded %s (9p, %.1f s)", String.join(", ", changed),
                                    took.toNanos() / 1e9));
                        }
                    }

                    @Override
                    public void refused(Set<String> changed, String message) {
                        getLog().error("Not reloaded" + (changed.isEmpty() ? "" : " (" + String.join(", ", changed)
                                + ")") + ": the previous code keeps serving.\n" + message);
                    }
                });
    }
}
