package io.github.unikernelfaas.vm;

import io.github.unikernelfaas.invoke.FunctionClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Run in a child JVM by {@link CtrlCTest}: boots a VM, says its pid, then waits to be interrupted. */
public final class ShutdownProbe {
    private ShutdownProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        VmConfig c = new VmConfig(new Machine(Qemu.INSTANCE, dir.resolve("qemu-system-fake"), Accelerator.TCG, 64, List.of(), "probe"),
                new Guest(dir.resolve("kernel-serve"), null, "", RootKind.NINE_P, dir.resolve("fs0"), null, Ports.free(), 8123, VirtioMode.LEGACY));
        FunctionVm vm = FunctionVm.boot(c, dir.resolve("work"), FunctionClient.newHttpClient(), Duration.ofSeconds(30),
                s -> { });
        System.out.println("QEMU-PID " + vm.vm().pid());
        System.out.flush();
        Thread.sleep(60_000);
    }
}
