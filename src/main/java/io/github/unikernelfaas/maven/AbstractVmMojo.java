package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.SettingRange;
import io.github.unikernelfaas.vm.Accelerator;
import io.github.unikernelfaas.vm.AcceleratorChoice;
import io.github.unikernelfaas.vm.BootLog;
import io.github.unikernelfaas.vm.FunctionVm;
import io.github.unikernelfaas.vm.KernelBundle;
import io.github.unikernelfaas.vm.KvmHost;
import io.github.unikernelfaas.vm.KvmVerdicts;
import io.github.unikernelfaas.vm.Guest;
import io.github.unikernelfaas.vm.Machine;
import io.github.unikernelfaas.vm.MemoryFloor;
import io.github.unikernelfaas.vm.Qemu;
import io.github.unikernelfaas.vm.RootKind;
import io.github.unikernelfaas.vm.VmConfig;
import io.github.unikernelfaas.vm.VmRecord;
import io.github.unikernelfaas.vm.WarmStart;
import io.github.unikernelfaas.env.RuntimeEnv;
import io.github.unikernelfaas.env.RuntimeFiles;
import java.io.File;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugins.annotations.Parameter;

/** Parameters shared by the goals that boot the function VM. */
abstract class AbstractVmMojo extends AbstractUnikernelMojo {
    /** Optional initial ramdisk booted with the kernel. */
    @Parameter(property = "unikernel.initrd")
    protected File initrd;

    /** Extra QEMU arguments, separated by white space, appended to the command line. */
    @Parameter(property = "unikernel.qemuArgs")
    protected String qemuArgs;

    /** The QEMU binary: a name looked up on PATH or a path. */
    @Parameter(property = "unikernel.qemu", defaultValue = Qemu.BINARY)
    protected String qemu;

    /** Guest memory in MiB. */
    @Parameter(property = "unikernel.memory", defaultValue = "256")
    protected int memory;

    /**
     * auto (KVM when the host's KVM runs the guest, else TCG; a failed KVM boot falls back to TCG and is
     * remembered in the cache), kvm or tcg.
     */
    @Parameter(property = "unikernel.accel", defaultValue = "auto")
    protected String accel;

    /** Seconds to wait for the function to answer /health after QEMU starts. */
    @Parameter(property = "unikernel.bootTimeout", defaultValue = "90")
    protected int bootTimeout;

    /** Seconds to wait for one invocation. */
    @Parameter(property = "unikernel.invokeTimeout", defaultValue = "30")
    protected int invokeTimeout;

    /**
     * Warm start: after a cold boot answers /health its state is saved in the cache (snapshots/), and the
     * next boot of the same kernel, fs0, arguments, memory and QEMU restores it instead (initrd root only).
     */
    @Parameter(property = WarmStart.PROPERTY, defaultValue = "true")
    protected boolean warmStart;
    @Override
    protected void applyBundle(KernelBundle bundle) {
        super.applyBundle(bundle);
        if (initrd == null) {
            initrd = bundle.initrd().map(java.nio.file.Path::toFile).orElse(null);
        }
        if (qemuArgs == null || qemuArgs.isBlank()) {
            qemuArgs = bundle.qemuArgs().orElse(qemuArgs);
        }
    }

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    protected MavenSession session;

    /**
     * Environment variables the handler finds in os.environ (run, invoke, integration-test; never in the
     * image). Overridden by -Dunikernel.env.NAME=value, and overriding the .env file.
     */
    @Parameter
    protected Map<String, String> environment;

    /** A .env file (NAME=value lines) of environment variables for the booted function. */
    @Parameter(property = "unikernel.envFile", defaultValue = "${project.basedir}/.env")
    protected File envFile;

    /**
     * Secrets for the booted function: one file per variable, named after it, holding its value. They reach
     * os.environ like the environment, never the image, the log or qemu-command.txt.
     */
    @Parameter(property = "unikernel.secretsDirectory", defaultValue = "${project.basedir}/.secrets")
    protected File secretsDirectory;

    private boolean acceleratorNoted;

    /** This goal's run-time files holding environment values: owner-only, deleted when the goal ends. */
    private RuntimeFiles runtimeFiles;

    @Override
    protected void checkSettings() {
        super.checkSettings();
        SettingRange.MEMORY.check(memory);
        SettingRange.BOOT_TIMEOUT.check(bootTimeout);
        SettingRange.INVOKE_TIMEOUT.check(invokeTimeout);
    }

    /** The VM to boot; {@link #boot} sets the accelerator of each attempt. */
    protected VmConfig vmConfig(int hostPort) {
        RootKind root = rootKind();
        MemoryFloor floor = flavour().memoryFloor(kernel(), root);
        floor.check(memory); // before the run-time files are written and anything boots
        Path initrdRoot = runtimeInitrd(root);
        Machine machine = new Machine(Qemu.INSTANCE, Qemu.INSTANCE.locate(qemu, System.getenv("PATH")),
                Accelerator.TCG, memory, splitArgs(qemuArgs), "unikernel-faas:" + project.getArtifactId());
        Guest guest = new Guest(kernel(), initrd == null ? null : initrd.toPath(), kernelArgs(root), root,
                fs0.toPath(), initrdRoot, hostPort, guestPort, flavour().virtio());
        return new VmConfig(machine, guest, floor);
    }

    /**
     * Delivers the run-time environment: a file beside the wrapper that it applies before importing the
     * function. The 9p root shares fs0 itself, so the file sits in fs0 while the goal runs (the build goal
     * rebuilds the app directory, so the image never holds it); the initrd root gets a run-time copy of
     * fs0.cpio with the file, in a directory of its own (with the kernel's initrd appended there too).
     * Returns the initrd to boot: the build's fs0.cpio when there is nothing to deliver.
     */
    private Path runtimeInitrd(RootKind root) {
        RuntimeEnv env = RuntimeEnv.collect(envFile.toPath(), environment,
                session == null ? Map.of() : toMap(session.getUserProperties()),
                secretsDirectory.toPath());
        if (env.isEmpty()) {
            return fs0Initrd();
        }
        getLog().info("Run-time " + env.describe());
        if (!env.secrets().isEmpty() && warmStart) {
            // A saved state is guest RAM on disk: it would hold the secrets' values in the cache.
            getLog().info("Warm start off: the VM holds secrets, and a saved state would keep them on disk");
            warmStart = false;
        }
        if (runtimeFiles == null) {
            runtimeFiles = RuntimeFiles.create(workDir(), getLog()::info);
        }
        if (root != RootKind.INITRD) {
            runtimeFiles.writeEnvFile(env, fs0Layout().app());
            return fs0Initrd();
        }
        String app = fs0.toPath().relativize(fs0Layout().app()).toString().replace('\\', '/');
        return runtimeFiles.writeInitrd(env, fs0.toPath(), initrdRoot, app);
    }

    private static Map<String, String> toMap(java.util.Properties p) {
        Map<String, String> m = new java.util.HashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }

    @Override
    protected void afterRun() {
        if (runtimeFiles != null) {
            runtimeFiles.close();
            runtimeFiles = null;
        }
    }

    /** Boots the function VM with the accelerator unikernel.accel asks for, KVM verdicts remembered in the cache. */
    protected FunctionVm boot(VmConfig config, HttpClient client) {
        return boot(config, client, workDir(), record());
    }

    /** As above, in {@code workDir} (console log, QMP socket) and recorded in {@code record}. */
    protected FunctionVm boot(VmConfig config, HttpClient client, Path workDir, VmRecord record) {
        KvmVerdicts verdicts = new KvmVerdicts(cacheDir.toPath().resolve("accel"));
        KvmHost host = KvmHost.system();
        AcceleratorChoice choice = AcceleratorChoice.choose(accel, host, () -> verdicts.failure(config));
        if (acceleratorNoted) {
            // Said at the first boot of this goal: run's reloads boot again and again.
            choice = new AcceleratorChoice(choice.first(), choice.fallBackToTcg(), java.util.Optional.empty());
        }
        acceleratorNoted = true;
        WarmStart warm = warmStart ? new WarmStart(cacheDir.toPath().resolve("snapshots")) : null;
        return FunctionVm.boot(config, choice, verdicts, warm, workDir, record, client, bootTimeout(),
                new BootLog(getLog()::info, getLog()::warn));
    }

    /** This build's record of the VM it runs: in the cache, so that mvn clean after a killed build cannot lose it. */
    protected VmRecord record() {
        return VmRecord.forProject(cacheDir.toPath(), project.getBasedir().toPath());
    }

    protected Duration bootTimeout() {
        return Duration.ofSeconds(bootTimeout);
    }

    protected Duration invokeTimeout() {
        return Duration.ofSeconds(invokeTimeout);
    }

    static List<String> splitArgs(String args) {
        if (args == null || args.isBlank()) {
            return List.of();
        }
        return Arrays.asList(args.trim().split("\\s+"));
    }

}
