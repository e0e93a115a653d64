package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.vm.Accelerator;
import io.github.unikernelfaas.vm.AcceleratorChoice;
import io.github.unikernelfaas.vm.BootLog;
import io.github.unikernelfaas.vm.FunctionVm;
import io.github.unikernelfaas.vm.KvmHost;
import io.github.unikernelfaas.vm.KvmVerdicts;
import io.github.unikernelfaas.vm.QemuLocator;
import io.github.unikernelfaas.vm.VmConfig;
import java.io.File;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.maven.plugins.annotations.Parameter;

/** Parameters shared by the goals that boot the function VM. */
abstract class AbstractVmMojo extends AbstractUnikernelMojo {
    /** The 9p root, static IP for QEMU's user network (Unikraft 0.13 libparams), then CPython's arguments. */
    static final String DEFAULT_KERNEL_ARGS = "vfs.rootfs=9pfs vfs.rootdev=fs0 netdev.ipv4_addr=10.0.2.15"
            + " netdev.ipv4_gw_addr=10.0.2.2 netdev.ipv4_subnet_mask=255.255.255.0 -- -m app.wrapper --port "
            + VmConfig.GUEST_PORT_TOKEN;

    /** Optional initial ramdisk booted with the kernel. */
    @Parameter(property = "unikernel.initrd")
    protected File initrd;

    /**
     * The kernel command line; {guestPort} is replaced by the guest port. The default suits the
     * Unikraft kernel: static IP on QEMU's user network, then {@code python -m app.wrapper}.
     */
    @Parameter(property = "unikernel.kernelArgs", defaultValue = DEFAULT_KERNEL_ARGS)
    protected String kernelArgs;

    /** Extra QEMU arguments, separated by white space, appended to the command line. */
    @Parameter(property = "unikernel.qemuArgs")
    protected String qemuArgs;

    /** The QEMU binary: a name looked up on PATH or a path. */
    @Parameter(property = "unikernel.qemu", defaultValue = QemuLocator.BINARY)
    protected String qemu;

    /** Guest memory in MiB. */
    @Parameter(property = "unikernel.memory", defaultValue = "256")
    protected int memory;

    /** The port the in-guest wrapper listens on. */
    @Parameter(property = "unikernel.guestPort", defaultValue = "8123")
    protected int guestPort;

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

    /** The VM to boot; {@link #boot} sets the accelerator of each attempt. */
    protected VmConfig vmConfig(int hostPort) {
        return new VmConfig(QemuLocator.locate(qemu, System.getenv("PATH")), kernel(),
                initrd == null ? null : initrd.toPath(), kernelArgs, fs0.toPath(), memory, hostPort, guestPort,
                Accelerator.TCG, splitArgs(qemuArgs), "unikernel-faas:" + project.getArtifactId());
    }

    /** Boots the function VM with the accelerator unikernel.accel asks for, KVM verdicts remembered in the cache. */
    protected FunctionVm boot(VmConfig config, HttpClient client) {
        KvmVerdicts verdicts = new KvmVerdicts(cacheDir.toPath().resolve("accel"));
        KvmHost host = KvmHost.system();
        // Hashing the kernel for a remembered verdict only matters when the host itself does not rule KVM out.
        Optional<String> remembered = host.problem().isPresent() || "tcg".equalsIgnoreCase(accel.trim())
                ? Optional.empty()
                : verdicts.failure(config);
        AcceleratorChoice choice = AcceleratorChoice.choose(accel, host, remembered);
        return FunctionVm.boot(config, choice, verdicts, workDir(), client, bootTimeout(),
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
