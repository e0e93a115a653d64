package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.invoke.EventCase;
import io.github.unikernelfaas.invoke.EventCases;
import io.github.unikernelfaas.invoke.FunctionClient;
import io.github.unikernelfaas.invoke.Invocation;
import io.github.unikernelfaas.invoke.VmStoppedException;
import io.github.unikernelfaas.vm.FunctionVm;
import io.github.unikernelfaas.vm.Ports;
import io.github.unikernelfaas.vm.VmException;
import java.io.File;
import java.io.IOException;
import java.net.http.HttpClient;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Execute;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/** Builds the function, boots it, sends one event, prints the answer and stops the VM. */
@Mojo(name = "invoke", threadSafe = true)
@Execute(phase = LifecyclePhase.COMPILE)
public class InvokeMojo extends AbstractVmMojo {
    /** The JSON event to send, e.g. -Dunikernel.event=src/test/events/hello.json. */
    @Parameter(property = "unikernel.event", required = true)
    private File event;

    @Override
    protected void run() throws MojoFailureException, InterruptedException {
        if (!event.isFile()) {
            throw new MojoFailureException("The event file " + event + " (unikernel.event) does not exist");
        }
        EventCase c = EventCases.load(event.toPath());
        HttpClient http = FunctionClient.newHttpClient();
        Invocation r;
        double boot;
        try (FunctionVm vm = boot(vmConfig(Ports.free()), http)) {
            boot = vm.bootSeconds();
            try {
                r = new FunctionClient(http, vm.hostPort(), invokeTimeout()).invoke(c.body(), vm::stopped);
            } catch (VmStoppedException e) {
                throw new VmException("The VM stopped during the invocation of " + event + ": " + e.getMessage(), e);
            } catch (IOException e) {
                throw new VmException("Invoking the function failed: " + e + "; console: " + vm.consoleLog(), e);
            }
        }
        getLog().info(String.format("REPORT boot: %.2f s, invocation: %.1f ms, status: %d", boot, r.millis(),
                r.status()));
        System.out.println(r.body());
        if (r.status() != 200) {
            throw new MojoFailureException("The function answered HTTP " + r.status() + ": " + r.body());
        }
    }
}
