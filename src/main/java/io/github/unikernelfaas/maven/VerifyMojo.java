package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.invoke.CaseResult;
import io.github.unikernelfaas.invoke.TestRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/** Fails the build when a test event failed in the integration-test goal. */
@Mojo(name = "verify", defaultPhase = LifecyclePhase.VERIFY, threadSafe = true)
public class VerifyMojo extends AbstractUnikernelMojo {
    @Parameter(property = "skipTests", defaultValue = "false")
    private boolean skipTests;

    @Parameter(property = "skipITs", defaultValue = "false")
    private boolean skipITs;

    /** Report failed cases without failing the build. */
    @Parameter(property = "unikernel.testFailureIgnore", defaultValue = "false")
    private boolean testFailureIgnore;

    @Override
    protected void run() throws MojoFailureException {
        if (skipTests || skipITs) {
            return;
        }
        Path results = workDir().resolve(IntegrationTestMojo.RESULTS);
        if (!Files.isRegularFile(results)) {
            getLog().info("No boot-test results in " + results + ": nothing to verify");
            return;
        }
        TestRun run = TestRun.read(results);
        if (run.failures() == 0) {
            getLog().info("All " + run.cases().size() + " event cases passed");
            return;
        }
        StringBuilder sb = new StringBuilder();
        sb.append(run.failures()).append(" of ").append(run.cases().size()).append(" event cases failed:");
        for (CaseResult c : run.failed()) {
            sb.append("\n  ").append(c.name()).append(": ").append(c.message());
        }
        sb.append("\nSee the console log in ").append(workDir().resolve("console.log"));
        if (testFailureIgnore) {
            getLog().warn(sb.toString());
            return;
        }
        throw new MojoFailureException(sb.toString());
    }
}
