package io.github.unikernelfaas.vm;

import io.github.unikernelfaas.SettingRange;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What the guest runs on.
 *
 * @param vmm         the monitor (QEMU)
 * @param binary      its executable
 * @param accelerator KVM or TCG
 * @param memoryMb    guest memory
 * @param extraArgs   user-supplied VMM arguments, appended last
 * @param name        tag put on the command line so stale VMs of this project can be recognised
 */
public record Machine(Vmm vmm, Path binary, Accelerator accelerator, int memoryMb, List<String> extraArgs,
        String name) {
    public Machine {
        Objects.requireNonNull(vmm, "vmm");
        Objects.requireNonNull(binary, "binary");
        Objects.requireNonNull(accelerator, "accelerator");
        extraArgs = extraArgs == null ? List.of() : List.copyOf(extraArgs);
        SettingRange.MEMORY.check(memoryMb, VmException::new);
    }

    public Machine withAccelerator(Accelerator a) {
        return new Machine(vmm, binary, a, memoryMb, extraArgs, name);
    }
}
