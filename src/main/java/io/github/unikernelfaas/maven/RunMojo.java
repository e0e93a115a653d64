package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.invoke.FunctionClient;
import io.github.unikernelfaas.vm.ConsoleFollower;
import io.github.unikernelfaas.vm.ConsoleLog;
import io.github.unikernelfaas.vm.FunctionVm;
import io.github.unikernelfaas.vm.PortForwarder;
import io.github.unikernelfaas.vm.Ports;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Execute;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/** Builds the function and serves it on 127.0.0.1 until Ctrl-C (which stops QEMU). */
@Mojo(name = "run", threadSafe = true)
@Execute(phase = LifecyclePhase.COMPILE)
public class RunMojo extends AbstractVmMojo {
    /** The port on 127.0.0.1 the function is served on. */
    @Parameter(property = "unikernel.port", defaultValue = "8080")
    private int port;

    @Override
    protected void run() throws MojoFailureException, InterruptedException {
        Ports.requireFree(port, "unikernel.port");
        // QEMU's forward sits on a free port behind ours: its backlog of one drops bursts of clients.
        try (FunctionVm vm = boot(vmConfig(Ports.free()), FunctionClient.newHttpClient());
                PortForwarder forwarder = PortForwarder.start(port, vm.hostPort(), getLog()::warn);
                // The handler's prints and tracebacks as they happen; the console log keeps them too.
                ConsoleFollower console = ConsoleFollower.fromEnd(vm.consoleLog(), line -> getLog().info("guest| " + line))) {
            getLog().info(String.format("Function ready after %.2f s: http://127.0.0.1:%d/ (press Ctrl-C to stop)",
                    vm.bootSeconds(), port));
            getLog().info("Try: curl -s -H 'Content-Type: application/json' -d '{\"name\":\"you\"}' http://127.0.0.1:"
                    + port + "/");
            int code = vm.waitForExit();
            throw new MojoFailureException("The VM stopped on its own (QEMU exit code " + code + ").\n"
                    + ConsoleLog.describeTail(vm.consoleLog(), 30));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Could not follow the guest console", e);
        }
    }
}
