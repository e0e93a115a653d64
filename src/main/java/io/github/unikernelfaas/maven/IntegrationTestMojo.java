package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.invoke.CaseResult;
import io.github.unikernelfaas.invoke.EventCase;
import io.github.unikernelfaas.invoke.EventCases;
import io.github.unikernelfaas.invoke.EventRunner;
import io.github.unikernelfaas.invoke.FunctionClient;
import io.github.unikernelfaas.invoke.JUnitReport;
import io.github.unikernelfaas.invoke.TestRun;
import io.github.unikernelfaas.vm.FunctionVm;
import io.github.unikernelfaas.vm.Ports;
import io.github.unikernelfaas.vm.VmConfig;
import java.io.File;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.List;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Boots the function VM, sends every test event, records the results and always stops QEMU.
 * Failed cases fail the build in the verify goal, after the VM is gone.
 */
@Mojo(name = "integration-test", defaultPhase = LifecyclePhase.INTEGRATION_TEST, threadSafe = true)
public class IntegrationTestMojo extends AbstractVmMojo {
    static final String RESULTS = "results.json";

    /** Test events ({@code *.json}) with optional expectations ({@code *.expected.json}). */
    @Parameter(property = "unikernel.eventsDirectory", defaultValue = "${project.basedir}/src/test/events")
    private File eventsDirectory;

    /** Where the JUnit XML report goes. */
    @Parameter(property = "unikernel.reportsDirectory", defaultValue = "${project.build.directory}/unikernel-reports")
    private File reportsDirectory;

    @Parameter(property = "skipTests", defaultValue = "false")
    private boolean skipTests;

    @Parameter(property = "skipITs", defaultValue = "false")
    private boolean skipITs;

    /**
     * Bytes a request body may have in the guest (its --max-body; the same setting as the build's, which writes it
     * into fs0): an event over it is refused before the boot.
     */
    @Parameter(property = "unikernel.maxEventBytes", defaultValue = "6291456")
    private long maxEventBytes;

    @Override
    protected void run() throws InterruptedException {
        Path results = workDir().resolve(RESULTS);
        deleteStale(results);
        if (skipTests || skipITs) {
            getLog().info("Skipping the boot test: " + (skipTests ? "skipTests" : "skipITs") + " is set");
            return;
        }
        // Bad events fail before anything boots.
        List<EventCase> cases = EventCases.discover(eventsDirectory.toPath(), maxEventBytes);
        VmConfig config = vmConfig(Ports.free());
        HttpClient http = FunctionClient.newHttpClient();
        TestRun run;
        try (FunctionVm vm = boot(config, http)) {
            getLog().info(String.format("Function ready after %.2f s", vm.bootSeconds()));
            if (cases.isEmpty()) {
                getLog().warn("No test events in " + eventsDirectory + ": the VM booted and answered /health;"
                        + " add *.json events (and *.expected.json results) to test the handler");
            }
            FunctionClient client = new FunctionClient(http, vm.hostPort(), invokeTimeout());
            List<CaseResult> outcomes = EventRunner.run(cases, client, vm::stopped, getLog()::info);
            // The accelerator that ran: auto-detected KVM may have fallen back to TCG.
            String accelerator = vm.accelerator().name();
            run = new TestRun("unikernel." + project.getArtifactId(), accelerator, vm.bootSeconds(), outcomes);
        }
        run.write(results);
        JUnitReport.write(run, reportsDirectory.toPath().resolve("TEST-unikernel." + project.getArtifactId() + ".xml"));
        for (String line : run.summary()) {
            getLog().info(line);
        }
    }

    private static void deleteStale(Path results) {
        try {
            java.nio.file.Files.deleteIfExists(results);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Could not delete stale results " + results, e);
        }
    }
}
