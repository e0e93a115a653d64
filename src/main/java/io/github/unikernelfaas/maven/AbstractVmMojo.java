package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.vm.Accelerator;
import io.github.unikernelfaas.vm.AcceleratorChoice;
import io.github.unikernelfaas.vm.BootLog;
import io.github.unikernelfaas.vm.FunctionVm;
import io.github.unikernelfaas.vm.KernelBundle;
import io.github.unikernelfaas.vm.KvmHost;
import io.github.unikernelfaas.vm.KvmVerdicts;
import io.github.unikernelfaas.vm.Guest;
import io.github.unikernelfaas.vm.Machine;
import io.github.unikernelfaas.vm.Qemu;
import io.github.unikernelfaas.vm.RootKind;
import io.github.unikernelfaas.vm.VmConfig;
import io.github.unikernelfaas.vm.VmRecord;
import java.io.File;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
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

    /** The VM to boot; {@link #boot} sets the accelerator of each attempt. */
    protected VmConfig vmConfig(int hostPort) {
        RootKind root = rootKind();
        Machine machine = new Machine(Qemu.INSTANCE, Qemu.INSTANCE.locate(qemu, System.getenv("PATH")),
                Accelerator.TCG, memory, splitArgs(qemuArgs), "unikernel-faas:" + project.getArtifactId());
        Guest guest = new Guest(kernel(), initrd == null ? null : initrd.toPath(), kernelArgs(root), root,
                fs0.toPath(), fs0Initrd(), hostPort, guestPort, flavour().virtio());
        return new VmConfig(machine, guest);
    }

    /** Boots the function VM with the accelerator unikernel.accel asks for, KVM verdicts remembered in the cache. */
    protected FunctionVm boot(VmConfig config, HttpClient client) {
        KvmVerdicts verdicts = new KvmVerdicts(cacheDir.toPath().resolve("accel"));
        KvmHost host = KvmHost.system();
        AcceleratorChoice choice = AcceleratorChoice.choose(accel, host, () -> verdicts.failure(config));
        // The record lives in the cache: mvn clean after a killed build must not forget the VM it left running.
        VmRecord record = VmRecord.forProject(cacheDir.toPath(), project.getBasedir().toPath());
        return FunctionVm.boot(config, choice, verdicts, workDir(), record, client, bootTimeout(),
                new BootLog(getLog()::info, getLog()::warn));
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
