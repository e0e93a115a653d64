package io.github.unikernelfaas.vm;

import java.util.Objects;

/** Everything needed to boot one function VM: the machine, and the guest that runs on it. */
public record VmConfig(Machine machine, Guest guest) {
    public VmConfig {
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(guest, "guest");
    }

    public VmConfig withAccelerator(Accelerator a) {
        return new VmConfig(machine.withAccelerator(a), guest);
    }
}
